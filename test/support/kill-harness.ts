// Kill-and-resume harness: a recording Messages stand-in, CLI spawns that can be killed (also while a push is in flight
// to a git http-backend remote), state-branch snapshots.
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inflateSync } from 'node:zlib';
import { canonicalJson, sha256Hex, type Json } from '../../src/core/canonical.js';
import { draft } from '../../src/core/draft.js';
import { parseDataBlocks } from '../../src/core/prompt.js';
import { loadBundle } from '../../src/engine/bundle.js';
import { makeRepo, runGitSync, testGitEnv, type TempRepo } from './git-repo.js';
import type { HttpGitServer } from './http-backend.js';
import { startMessagesServer, type MessagesServer } from './messages-server.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'ideamine.js');

type Body = Record<string, unknown>;
const isRecord = (v: unknown): v is Body => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What a request asks for: system, messages and tool name; nothing that depends on time or connection. */
export function fingerprintOf(body: Body | null): string {
  const tools = Array.isArray(body?.tools) ? (body.tools as unknown[]) : [];
  const tool = isRecord(tools[0]) ? tools[0].name : null;
  return sha256Hex(canonicalJson({ system: (body?.system ?? null) as Json, messages: (body?.messages ?? null) as Json, tool: (tool ?? null) as Json }));
}

/** Identity of an answer as the engine stores it in .ideamine/cas (tool input = output: every root schema is an object). */
export const outputId = (output: Json): string => sha256Hex(canonicalJson(output));

export interface StandIn extends MessagesServer {
  /** Fingerprints of requests[from, to). */
  fingerprints(from?: number, to?: number): string[];
  /** When the answer to requests[index] was written (performance.now()), or undefined while it waits. */
  answeredAt(index: number): number | undefined;
}

/**
 * The loopback Messages API answering like a capable, deterministic model: drafts with the bundle's schemas
 * (their x-draft hints, so gates pass as they do offline) and judges with a fixed passing score. Every answer
 * is unique to its request (the judge's rationale names the fingerprint), so a CAS entry names its request.
 */
export async function startStandIn(latencyMs: number): Promise<StandIn> {
  const bundle = await loadBundle({ packageRoot: ROOT, repoRoot: ROOT });
  // The stand-in hands `respond` the very body object it recorded, so answer times can be keyed by it.
  const answered = new WeakMap<object, number>();
  const server = await startMessagesServer({
    latencyMs,
    respond(toolName, body) {
      answered.set(body, performance.now());
      const fingerprint = fingerprintOf(body);
      if (toolName === 'judgement') return { score: 0.95, rationale: `Meets the rubric (stand-in ${fingerprint.slice(0, 12)}).` };
      const schema = bundle.schemas[toolName];
      if (schema === undefined) return undefined;
      const messages = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
      const last = [...messages].reverse().find((m) => m.role === 'user' && typeof m.content === 'string');
      const blocks = typeof last?.content === 'string' ? parseDataBlocks(last.content) : {};
      const artifacts = isRecord(blocks.artifacts) ? (blocks.artifacts as Record<string, Json>) : {};
      return draft(schema, { idea: blocks.idea ?? null, artifacts, item: blocks.item ?? null }, fingerprint);
    },
  });
  return {
    ...server,
    fingerprints: (from = 0, to = server.requests.length) => server.requests.slice(from, to).map((r) => fingerprintOf(r.body)),
    answeredAt(index) {
      const body = server.requests[index]?.body;
      return body ? answered.get(body) : undefined;
    },
  };
}

/** A temp repository with the idea committed on main. */
export function ideaRepo(ideaFile = 'shared-grocery-list.yaml'): TempRepo {
  const repo = makeRepo();
  repo.write(`ideas/${ideaFile}`, readFileSync(join(ROOT, 'ideas', ideaFile), 'utf8'));
  repo.git('add', 'ideas');
  repo.git('commit', '-q', '-m', 'add idea');
  return repo;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface Spawned {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** Signals the CLI; with `group`, the whole process group (the CLI and any git it started), as a tree kill does. */
  kill(signal: NodeJS.Signals, group?: boolean): void;
}

export function spawnCli(repo: TempRepo, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: repo.dir, env: { ...testGitEnv(), ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${CLI}`);
  return {
    pid, exited,
    kill(signal, group = false) {
      try {
        process.kill(group ? -pid : pid, signal);
      } catch {
        // Already gone: the run finished first.
      }
    },
  };
}

export const anthropicEnv = (url: string): NodeJS.ProcessEnv => ({ ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: url });

/** Seeded PRNG (mulberry32): the same seed gives the same kill schedule. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const git = (repo: TempRepo, ...args: string[]): string =>
  execFileSync('git', args, { cwd: repo.dir, env: testGitEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });

/** The state tip's commit subject from the loose ref and object (no spawn, sub-millisecond), to kill between commits. */
export function tipSubject(repo: TempRepo, slug: string): string | null {
  try {
    const oid = readFileSync(join(repo.gitDir, stateRef(slug)), 'utf8').trim();
    const object = inflateSync(readFileSync(join(repo.gitDir, 'objects', oid.slice(0, 2), oid.slice(2)))).toString('utf8');
    return object.slice(object.indexOf('\n\n') + 2).split('\n', 1)[0] ?? null;
  } catch {
    return null;
  }
}

export const stateRef = (slug: string): string => `refs/heads/ideamine/${slug}`;

/** Files under `dir` on the state branch tip, path → content (empty when the branch or dir is missing). */
export function stateFiles(repo: TempRepo, slug: string, dir: string): Map<string, string> {
  const files = new Map<string, string>();
  let listing: string;
  try {
    listing = git(repo, 'ls-tree', '-r', '-z', stateRef(slug), '--', dir);
  } catch {
    return files;
  }
  const entries = listing.split('\0').filter(Boolean).map((line) => ({ oid: line.split(/[ \t]/)[2] ?? '', path: line.slice(line.indexOf('\t') + 1) }));
  if (entries.length === 0) return files;
  // One cat-file process for all blobs: headers then contents, in order.
  const out = execFileSync('git', ['cat-file', '--batch'], { cwd: repo.dir, env: testGitEnv(), input: entries.map((e) => e.oid).join('\n') + '\n', maxBuffer: 256 * 1024 * 1024 });
  let at = 0;
  for (const entry of entries) {
    const nl = out.indexOf(10, at);
    const size = Number(out.subarray(at, nl).toString('latin1').split(' ')[2]);
    files.set(entry.path, out.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    at = nl + 1 + size + 1;
  }
  return files;
}

/** Ids of the outputs saved in the slug's content-addressed store. */
export function savedOutputs(repo: TempRepo, slug: string): Set<string> {
  const ids = new Set<string>();
  for (const text of stateFiles(repo, slug, '.ideamine/cas').values()) ids.add(outputId((JSON.parse(text) as { output: Json }).output));
  return ids;
}

export function runIdOf(repo: TempRepo, slug: string): string {
  const runs = git(repo, 'ls-tree', '--name-only', `${stateRef(slug)}:.ideamine/runs`).trim().split('\n').filter(Boolean);
  if (runs.length !== 1) throw new Error(`expected one run on ideamine/${slug}, found: ${runs.join(', ') || 'none'}`);
  return runs[0] as string;
}

// Fields that differ between two equivalent runs: clock readings, hashes over the ledger (which holds times and
// a killed run's extra lease events), and cost and cache tokens (a prompt cache write versus read depends on which attempt
// reached the API first; a killed attempt is paid for but never recorded).
const VOLATILE = new Set(['generatedAt', 'digest', 'headHash', 'seq', 'costUsd', 'spentUsd', 'cacheRead', 'cacheWrite']);

export function withoutVolatile(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE.has(k) && !/(?:At|Time|time)$/.test(k)).map(([k, v]) => [k, withoutVolatile(v)]));
}

export interface FinalState {
  readonly runId: string;
  /** Files under artifacts/ on the state branch, path (relative to artifacts/) → content; JSON files normalised. */
  readonly artifacts: Record<string, string>;
  readonly dossier: Json;
}

export function finalState(repo: TempRepo, slug: string): FinalState {
  const runId = runIdOf(repo, slug);
  const base = `.ideamine/runs/${runId}`;
  const artifacts: Record<string, string> = {};
  for (const [path, text] of stateFiles(repo, slug, `${base}/artifacts`)) {
    artifacts[path.slice(base.length + '/artifacts/'.length)] = path.endsWith('.json') ? canonicalJson(withoutVolatile(JSON.parse(text) as Json)) : text;
  }
  const dossierText = stateFiles(repo, slug, `${base}/dossier/release-dossier.json`).get(`${base}/dossier/release-dossier.json`);
  return { runId, artifacts, dossier: dossierText === undefined ? null : withoutVolatile(JSON.parse(dossierText) as Json) };
}

/** `git fsck` output (errors and warnings; dangling objects from killed writers are expected) and leftover locks. */
export function repoHealth(repo: TempRepo): { fsckCode: number; fsck: string; locks: string[] } {
  let fsckCode = 0;
  let fsck = '';
  try {
    execFileSync('git', ['fsck', '--full', '--strict', '--no-dangling', '--no-progress'], { cwd: repo.dir, env: testGitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    fsckCode = e.status ?? 1;
    fsck = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  const locks = readdirSync(repo.gitDir, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.lock')).map((p) => relative(repo.dir, join(repo.gitDir, p)));
  return { fsckCode, fsck, locks };
}

/** name → count. */
export function multiset(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Resolves when `check` holds or `exited` settles, polling every `everyMs`. */
export async function until(check: () => boolean, exited: Promise<unknown>, everyMs = 1): Promise<boolean> {
  let done = false;
  void exited.then(() => (done = true), () => (done = true));
  while (!check()) {
    if (done) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

/** A working directory (a clone of a remote) as a TempRepo, for spawnCli, finalState and repoHealth; the caller removes it. */
export function repoAt(dir: string): TempRepo {
  const git = (...args: string[]): string => runGitSync(dir, args);
  return {
    dir, gitDir: git('rev-parse', '--absolute-git-dir'), git,
    write: () => { throw new Error('repoAt: read-only'); },
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    cleanup: () => undefined,
  };
}

/** A push's two requests: the ref advertisement (GET, before the pack is sent) and the pack upload (POST). */
export type PushStage = 'advertise' | 'upload';
const STAGE_LABEL: Record<PushStage, string> = { advertise: 'GET git-receive-pack', upload: 'POST git-receive-pack' };

/** Push requests an http-backend server has begun, by stage, and how many of either it is serving right now. */
export interface PushWatch {
  started(stage?: PushStage): number;
  inFlight(): number;
  stop(): void;
}

export function watchPushes(server: HttpGitServer): PushWatch {
  const started: Record<PushStage, number> = { advertise: 0, upload: 0 };
  let open = 0;
  const stop = server.onRequest((event) => {
    const stage = (Object.keys(STAGE_LABEL) as PushStage[]).find((s) => STAGE_LABEL[s] === event.label);
    if (!stage) return;
    if (event.phase === 'start') {
      started[stage] += 1;
      open += 1;
    } else open = Math.max(0, open - 1);
  });
  return { started: (stage = 'upload') => started[stage], inFlight: () => open, stop };
}

export interface PushKill {
  /** Kill once the server has begun this many pushes' `stage` since `from` (PushWatch.started(stage) at the spawn). */
  readonly nth: number;
  readonly from: number;
  /** advertise: before the pack leaves the client (a group kill stops the push undelivered); upload: while it lands. */
  readonly stage: PushStage;
  /** Wait this long after that push began (0: at once, while the server is still taking it in). */
  readonly jitterMs: number;
  /** Kill the process group (the CLI and its `git push`), as a runner's tree kill does; else the CLI alone. */
  readonly group: boolean;
}

/** SIGKILLs `child` while (or just after) its nth push is in flight; says whether one was in flight at the kill. */
export async function killDuringPush(child: Spawned, watch: PushWatch, plan: PushKill): Promise<{ killed: boolean; pushInFlight: boolean }> {
  const reached = await until(() => watch.started(plan.stage) >= plan.from + plan.nth, child.exited);
  if (!reached) return { killed: false, pushInFlight: false };
  if (plan.jitterMs > 0) await new Promise((r) => setTimeout(r, plan.jitterMs));
  const pushInFlight = watch.inFlight() > 0;
  child.kill('SIGKILL', plan.group);
  return { killed: true, pushInFlight };
}
