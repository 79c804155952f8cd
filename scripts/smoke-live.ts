// LIVE smoke test against a real GitHub repository. NOT run in CI: there is no GitHub here, and it spends real runs.
// Run: GITHUB_TOKEN=<token> node --import tsx scripts/smoke-live.ts OWNER/REPO [options]   (--help for the rest)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Octokit } from '@octokit/rest';
import { verifyDossier } from '../src/core/dossier.js';
import { checkLedger } from '../src/core/ledger.js';

const DISPATCHER = 'ideamine.yml';
const RUN_WORKFLOW = 'ideamine-run.yml';
const DEFAULT_IDEA = join(import.meta.dirname, '..', 'ideas', 'shared-grocery-list.yaml');

const HELP = `scripts/smoke-live.ts — LIVE smoke test of IdeaMine on a real GitHub repository.
NOT run in CI (CI has no GitHub): run it by hand against a repository you own, after \`ideamine init\`.

Usage: GITHUB_TOKEN=<token> node --import tsx scripts/smoke-live.ts OWNER/REPO [options]

It pushes ideas/<slug>.yaml to the default branch, waits (through the API) for the dispatcher
workflow (${DISPATCHER}) on that commit and for the run workflow (${RUN_WORKFLOW}) it starts,
then checks the state branch ideamine/<slug> (its ledger's hash chain), gate pull requests from
ideamine-gate/<slug>/*, and dossiers/<slug>/ on the default branch (its digest and ledger head).
It prints each check. Exit 0: all passed; 1: a check failed; 2: bad usage; 3: blocked at a gate
pull request (approve it, then run again with --no-push --slug <slug>).

The token (GITHUB_TOKEN or GH_TOKEN; never an argument, so it stays out of shell history) must be
a personal access token or App token with Contents and Actions read/write and Pull requests read
on the repository. A workflow's own GITHUB_TOKEN will not do: its push starts no workflow.

Options:
  --slug <slug>            idea slug (default: smoke-<time>, a fresh idea each time)
  --idea <file>            idea content to push (default: this package's ideas/shared-grocery-list.yaml)
  --no-push                push nothing; check the latest run of --slug
  --timeout-minutes <n>    give up waiting after n minutes (default 60)
  --poll-seconds <n>       seconds between API polls (default 15)
  --api-url <url>          REST API base (default: GITHUB_API_URL or https://api.github.com)
  -h, --help               this text`;

class UsageError extends Error {}

interface Options {
  readonly owner: string; readonly repo: string; readonly slug: string; readonly ideaFile: string; readonly push: boolean;
  readonly deadline: number; readonly pollMs: number; readonly apiUrl: string; readonly token: string;
}

function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      slug: { type: 'string' }, idea: { type: 'string' }, 'no-push': { type: 'boolean' }, 'timeout-minutes': { type: 'string' },
      'poll-seconds': { type: 'string' }, 'api-url': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const [target, ...extra] = positionals;
  const match = /^([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+)$/.exec(target ?? '');
  if (!match?.[1] || !match[2] || extra.length > 0) throw new UsageError(`expected one OWNER/REPO argument, got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')}`);
  const token = env['GITHUB_TOKEN'] || env['GH_TOKEN'];
  if (!token) throw new UsageError('no token: set GITHUB_TOKEN (or GH_TOKEN) to a token that can push to and run workflows in the repository');
  const slug = values.slug ?? `smoke-${Date.now().toString(36)}`;
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) throw new UsageError(`--slug "${slug}": lowercase letters, digits and single dashes only`);
  const number = (name: string, raw: string | undefined, fallback: number): number => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${raw ?? ''}"`);
    return n;
  };
  return {
    owner: match[1], repo: match[2], slug, ideaFile: values.idea ?? DEFAULT_IDEA, push: !values['no-push'],
    deadline: Date.now() + number('timeout-minutes', values['timeout-minutes'], 60) * 60_000,
    pollMs: number('poll-seconds', values['poll-seconds'], 15) * 1000,
    apiUrl: (values['api-url'] ?? env['GITHUB_API_URL'] ?? 'https://api.github.com').replace(/\/+$/, ''), token,
  };
}

type Outcome = 'ok' | 'warn' | 'FAIL' | 'skip' | 'blocked';
const checks: { outcome: Outcome; name: string; detail: string }[] = [];
const report = (outcome: Outcome, name: string, detail: string): void => {
  checks.push({ outcome, name, detail });
  process.stdout.write(`[${outcome.padEnd(7)}] ${name}: ${detail}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(o: Options, what: string, probe: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > o.deadline) throw new Error(`timed out waiting for ${what}`);
    process.stdout.write(`  … waiting for ${what}\n`);
    await sleep(o.pollMs);
  }
}

const isStatus = (e: unknown, status: number): boolean => typeof e === 'object' && e !== null && (e as { status?: unknown }).status === status;

async function smoke(o: Options): Promise<number> {
  let requests = 0;
  const octokit = new Octokit({ auth: o.token, baseUrl: o.apiUrl, userAgent: 'ideamine-smoke-live' });
  octokit.hook.before('request', () => { requests += 1; });
  const { owner, repo, slug } = o;
  const text = async (path: string, ref: string): Promise<string | null> => {
    try {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, ref, mediaType: { format: 'raw' } });
      return typeof data === 'string' ? data : null;
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  };

  const { data: info } = await octokit.rest.repos.get({ owner, repo });
  const base = info.default_branch;
  report(info.private ? 'ok' : 'warn', 'repository', `${info.full_name}, default branch ${base}, ${info.private ? 'private' : 'PUBLIC: the state branch publishes every prompt and output'}`);
  for (const file of [DISPATCHER, RUN_WORKFLOW]) {
    const present = await text(`.github/workflows/${file}`, base);
    report(present ? 'ok' : 'FAIL', `workflow ${file}`, present ? `on ${base}` : `missing on ${base}: run \`ideamine init\` and push`);
    if (!present) return 1;
  }

  const ideaPath = `ideas/${slug}.yaml`;
  const since = new Date(Date.now() - 60_000).toISOString();
  if (o.push) {
    if ((await text(ideaPath, base)) !== null) throw new UsageError(`${ideaPath} already exists on ${base}: pass --no-push to check its run, or another --slug`);
    const { data } = await octokit.rest.repos.createOrUpdateFileContents({
      owner, repo, path: ideaPath, branch: base, message: `smoke: add ${ideaPath}`, content: Buffer.from(readFileSync(o.ideaFile)).toString('base64'),
    });
    const sha = data.commit.sha ?? '';
    report('ok', 'push', `${ideaPath} in ${sha.slice(0, 12)} on ${base}`);
    const dispatcher = await until(o, `${DISPATCHER} on ${sha.slice(0, 12)} to complete`, async () => {
      const { data: runs } = await octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: DISPATCHER, head_sha: sha, event: 'push', per_page: 10 });
      const run = runs.workflow_runs[0];
      return run?.status === 'completed' ? run : null;
    });
    report(dispatcher.conclusion === 'success' ? 'ok' : 'FAIL', 'dispatcher', `${dispatcher.conclusion ?? 'no conclusion'}: ${dispatcher.html_url}`);
  } else {
    report('skip', 'push and dispatcher', '--no-push: checking the latest run of the slug');
  }

  const title = `ideamine-run ${slug}`;
  const run = await until(o, `${RUN_WORKFLOW} "${title}" to complete`, async () => {
    const { data: runs } = await octokit.rest.actions.listWorkflowRuns({ owner, repo, workflow_id: RUN_WORKFLOW, event: 'workflow_dispatch', per_page: 100, ...(o.push ? { created: `>=${since}` } : {}) });
    const mine = runs.workflow_runs.find((r) => r.display_title === title);
    return mine?.status === 'completed' ? mine : null;
  });
  const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, { owner, repo, run_id: run.id, per_page: 100 });
  report(run.conclusion === 'success' ? 'ok' : 'FAIL', 'run workflow', `${run.conclusion ?? 'no conclusion'} (attempt ${run.run_attempt ?? 1}): ${run.html_url}`);
  for (const job of jobs) process.stdout.write(`    ${(job.conclusion ?? job.status).padEnd(10)} ${job.name}\n`);

  const stateBranch = `ideamine/${slug}`;
  let runsDir: unknown = null;
  try {
    runsDir = (await octokit.rest.repos.getContent({ owner, repo, path: '.ideamine/runs', ref: stateBranch })).data;
  } catch (e) {
    if (!isStatus(e, 404)) throw e;
  }
  const entries = Array.isArray(runsDir) ? (runsDir as { type: string; name: string }[]) : [];
  const runIds = entries.filter((e) => e.type === 'dir' && e.name.startsWith(`${slug}-`)).map((e) => e.name);
  const ledgers = new Map<string, ReturnType<typeof checkLedger>>();
  for (const runId of runIds) {
    const ledger = await text(`.ideamine/runs/${runId}/ledger.jsonl`, stateBranch);
    if (ledger !== null) ledgers.set(runId, checkLedger(ledger));
  }
  const broken = [...ledgers].filter(([, l]) => l.problem !== null);
  report(ledgers.size > 0 && broken.length === 0 ? 'ok' : 'FAIL', 'state branch', ledgers.size === 0
    ? `${stateBranch} has no ledger under .ideamine/runs/${slug}-*`
    : [...ledgers].map(([id, l]) => `${id}: ${l.entries.length} events${l.problem ? `, BROKEN at line ${l.problem.line}: ${l.problem.message}` : ', hash chain intact'}`).join('; '));

  const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'all', per_page: 100 });
  const gates = pulls.filter((p) => p.head.ref.startsWith(`ideamine-gate/${slug}/`));
  const openGates = gates.filter((p) => p.state === 'open');
  if (gates.length === 0) report('ok', 'gate pull requests', 'none (every gate passed)');
  for (const p of gates) report(p.state === 'open' ? 'blocked' : 'ok', `gate PR #${p.number}`, `${p.state}${p.merged_at ? ', merged' : ''}: ${p.title} — ${p.html_url}`);

  const md = await text(`dossiers/${slug}/RELEASE_DOSSIER.md`, base);
  const json = await text(`dossiers/${slug}/release-dossier.json`, base);
  if (md === null || json === null) {
    report(openGates.length > 0 ? 'blocked' : 'FAIL', 'dossier', `dossiers/${slug}/ is not on ${base}${openGates.length > 0 ? ' (expected: the run waits at a gate PR)' : ''}`);
  } else {
    const dossier = JSON.parse(json) as { runId?: string; ledger?: { headHash?: string; seq?: number } };
    const ledger = ledgers.get(dossier.runId ?? '');
    const head = ledger?.entries.find((e) => e.seq === dossier.ledger?.seq);
    const headOk = head !== undefined && head.hash === dossier.ledger?.headHash;
    report(verifyDossier(JSON.parse(json)) && headOk ? 'ok' : 'FAIL', 'dossier',
      `on ${base}; digest ${verifyDossier(JSON.parse(json)) ? 'verified' : 'DOES NOT MATCH'}; ledger head ${headOk ? 'found on the state branch' : 'NOT found on the state branch'}`);
  }

  process.stdout.write(`\n${checks.length} checks, ${requests} API requests. Leave ${ideaPath} and ${stateBranch} for inspection, or delete them (deleting the idea is itself a push).\n`);
  if (checks.some((c) => c.outcome === 'FAIL')) return 1;
  return checks.some((c) => c.outcome === 'blocked') ? 3 : 0;
}

async function main(): Promise<void> {
  let options: Options | 'help';
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`smoke-live: ${(e as Error).message}\nSee --help. (This script is NOT run in CI.)\n`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  try {
    process.exitCode = await smoke(options);
  } catch (e) {
    const message = (e as Error).message.split(options.token).join('***');
    process.stderr.write(`smoke-live: ${message}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}

await main();
