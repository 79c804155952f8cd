// Soak: runs ideas continuously with faults injected, for N minutes, and reports what survived and what it cost.
// Two kinds of rounds, alternating by a seeded draw:
//  - fault rounds run the engine in this process (so a leak shows in this process's memory) against the loopback
//    Messages API, with model faults injected at random requests (429, 529, 500, reset, a response that never
//    ends, malformed JSON, schema-invalid output);
//  - kill rounds run the CLI as a child, SIGKILL it at a random moment, restart it and time the recovery: from the
//    restart until the run's next commit lands on its state branch.
// Every round must end with a completed run that `ideamine verify` accepts; a round that does not is a failure.
// Usage: npm run soak -- --minutes N [--seed S]. Prints one line of figures at the end; exit 1 if any round failed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main as cliMain } from '../src/cli/main.js';
import { competentModel, exampleIdea, exampleIdeas, makeIdeaRepo, runCli, slugOf, CLI_BIN, cliEnv, type IdeaRepo } from '../test/support/cli.js';
import { prng } from '../test/support/kill-harness.js';
import { startMessagesServer, type Fault, type MessagesServer } from '../test/support/messages-server.js';
import { percentile } from './chaos.js';

const KEY = 'sk-ant-soak-0000000000000000';
const FAULT_KINDS = ['429', '529', '500', 'reset', 'hang', 'malformed', 'invalid-output'] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

function faultOf(kind: FaultKind): Fault {
  switch (kind) {
    case '429': return { kind: 'status', status: 429, headers: { 'retry-after-ms': '50' }, message: 'rate limited (soak)' };
    case '529': return { kind: 'status', status: 529, message: 'overloaded (soak)' };
    case '500': return { kind: 'status', status: 500, message: 'internal error (soak)' };
    case 'reset': return { kind: 'reset' };
    case 'hang': return { kind: 'hang' };
    case 'malformed': return { kind: 'malformed' };
    case 'invalid-output': return { kind: 'invalid-output' };
  }
}

interface Totals {
  rounds: number;
  completed: number;
  failed: string[];
  faultsInjected: Record<string, number>;
  faultsSurvived: number;
  kills: number;
  recoveryMs: number[];
}

/** Environment for the model: our key, the loopback server, short backoff so a soak measures work, not sleeping. */
const modelEnv = (server: MessagesServer): Record<string, string> => ({
  ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url, IDEAMINE_MODEL_BACKOFF_MS: '20', IDEAMINE_MODEL_TIMEOUT_MS: '3000',
});

async function inProcessRun(repo: IdeaRepo, file: string, env: Record<string, string>): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await cliMain(['run', `ideas/${file}`, '--model', 'anthropic'], {
    out: () => undefined, err: (text) => { err += text; }, env: { ...cliEnv(env) }, cwd: repo.dir, signal: new AbortController().signal,
  });
  return { code, err };
}

async function faultRound(repo: IdeaRepo, file: string, server: MessagesServer, random: () => number, totals: Totals): Promise<void> {
  const first = server.requests.length;
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i += 1) {
    const kind = FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)] ?? '500';
    // Spread over the run's first ~40 requests; distinct indices, so no task meets more faults than its retries.
    server.faultAt(first + 1 + i * 9 + Math.floor(random() * 8), faultOf(kind));
    totals.faultsInjected[kind] = (totals.faultsInjected[kind] ?? 0) + 1;
  }
  const { code, err } = await inProcessRun(repo, file, modelEnv(server));
  const hit = server.requests.slice(first).filter((r) => r.outcome !== 'ok').length;
  if (code !== 0) throw new Error(`run exited ${code}: ${err.slice(0, 400)}`);
  totals.faultsSurvived += hit;
}

/** Loose ref file of the state branch (IdeaMine updates refs with update-ref; nothing packs them during a run). */
const refFile = (repo: IdeaRepo, slug: string): string => join(repo.gitDir, 'refs', 'heads', 'ideamine', slug);
const readRef = (repo: IdeaRepo, slug: string): string => (existsSync(refFile(repo, slug)) ? readFileSync(refFile(repo, slug), 'utf8').trim() : '');

async function killRound(repo: IdeaRepo, file: string, server: MessagesServer, random: () => number, totals: Totals): Promise<void> {
  const slug = slugOf(file);
  const env = cliEnv(modelEnv(server));
  const child = spawn(process.execPath, [CLI_BIN, 'run', `ideas/${file}`, '--model', 'anthropic'], { cwd: repo.dir, env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(random() * 2500)));
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    totals.kills += 1;
  }
  await exited;
  const before = readRef(repo, slug);
  const restarted = performance.now();
  const resumed = runCli(['run', `ideas/${file}`, '--model', 'anthropic'], { cwd: repo.dir, env: modelEnv(server), timeoutMs: 300_000 });
  let recovered: number | null = null;
  const poll = setInterval(() => {
    if (recovered === null && readRef(repo, slug) !== before) recovered = performance.now() - restarted;
  }, 10);
  const result = await resumed;
  clearInterval(poll);
  if (result.code !== 0) throw new Error(`resumed run exited ${result.code}: ${result.stderr.slice(0, 400)}`);
  // A run killed after its last commit has nothing left to recover: no figure for it.
  if (recovered !== null) totals.recoveryMs.push(recovered);
}

async function soak(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '1' }, seed: { type: 'string', default: '1' } } });
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes: "${values.minutes}" is not a positive number (example: --minutes 10)`);
  if (!Number.isInteger(seed)) throw new Error(`--seed: "${values.seed}" is not an integer`);
  const random = prng(seed);
  // Ideas that complete offline without a human (the blocking example waits for a waiver by design).
  const ideas = exampleIdeas().filter((f) => !f.startsWith('plant-watering-reminder'));
  const totals: Totals = { rounds: 0, completed: 0, failed: [], faultsInjected: {}, faultsSurvived: 0, kills: 0, recoveryMs: [] };
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rssStart = process.memoryUsage().rss;
  const heapStart = process.memoryUsage().heapUsed;
  const deadline = Date.now() + minutes * 60_000;
  const started = performance.now();
  while (Date.now() < deadline) {
    const file = ideas[totals.rounds % ideas.length] ?? 'shared-grocery-list.yaml';
    const repo = makeIdeaRepo({ [`ideas/${file}`]: exampleIdea(file) });
    // A model that writes schema-valid artifacts and judges them well (the soak is about faults, not gates); one
    // server per round, so the requests it records for tests are not mistaken for a leak of the engine's.
    const server = await startMessagesServer({ respond: competentModel() });
    const kind = random() < 0.5 ? 'faults' : 'kill';
    totals.rounds += 1;
    try {
      if (kind === 'faults') await faultRound(repo, file, server, random, totals);
      else await killRound(repo, file, server, random, totals);
      const runs = JSON.parse((await runCli(['status', '--json'], { cwd: repo.dir })).stdout) as { runId: string; status: string }[];
      const run = runs.find((r) => r.status !== 'superseded');
      if (run?.status !== 'completed') throw new Error(`the run is ${run?.status ?? 'missing'}, not completed`);
      const verify = await runCli(['verify', run.runId], { cwd: repo.dir });
      if (verify.code !== 0) throw new Error(`verify exited ${verify.code}: ${verify.stdout.slice(0, 400)}`);
      totals.completed += 1;
    } catch (caught) {
      totals.failed.push(`round ${totals.rounds} (${kind}, ${file}): ${caught instanceof Error ? caught.message : String(caught)}`);
    } finally {
      repo.cleanup();
      await server.close();
    }
    process.stderr.write(`soak: round ${totals.rounds} ${kind} ${file}: ${totals.failed.length === 0 ? 'ok' : 'FAILED so far'}\n`);
  }
  gc?.();
  const rssEnd = process.memoryUsage().rss;
  const heapEnd = process.memoryUsage().heapUsed;
  const mb = (n: number): string => `${(n / 1_048_576).toFixed(1)} MB`;
  const sorted = [...totals.recoveryMs].sort((a, b) => a - b);
  const injected = Object.values(totals.faultsInjected).reduce((a, b) => a + b, 0);
  for (const failure of totals.failed) console.error(`soak: ${failure}`);
  console.log([
    `soak ${((performance.now() - started) / 60_000).toFixed(1)} min (seed ${seed}): ${totals.completed} of ${totals.rounds} runs completed and verified`,
    `model faults injected ${injected} (${Object.entries(totals.faultsInjected).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}), met and survived ${totals.faultsSurvived}`,
    `kills ${totals.kills}, recoveries ${sorted.length}: p50 ${Math.round(percentile(sorted, 50))} ms, p95 ${Math.round(percentile(sorted, 95))} ms, max ${Math.round(sorted.at(-1) ?? 0)} ms`,
    `RSS ${mb(rssStart)} → ${mb(rssEnd)}, heap used ${mb(heapStart)} → ${mb(heapEnd)}`,
  ].join('; '));
  process.exitCode = totals.failed.length === 0 ? 0 : 1;
}

await soak();
