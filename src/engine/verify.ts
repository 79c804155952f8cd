// `verify`: the ledger hash chain, every artifact's hash and the dossier digest, first problem first.
import { sha256Hex } from '../core/canonical.js';
import { verifyDossier } from '../core/dossier.js';
import { ErrorCode, IdeaMineError } from '../core/errors.js';
import { checkLedger } from '../core/ledger.js';
import { replay } from '../core/run-state.js';
import { runDir, slugOfRunId } from '../core/run-id.js';
import type { StateStore } from '../ports/store.js';
import { dossierPaths } from './complete.js';

export interface VerifyReport {
  readonly runId: string;
  readonly ok: boolean;
  readonly entries: number;
  readonly artifactsChecked: number;
  readonly dossierChecked: number;
  readonly problems: readonly string[];
}

export async function requireRun(store: StateStore, runId: string): Promise<{ slug: string; ledger: string }> {
  const slug = slugOfRunId(runId);
  const path = `${runDir(runId)}/ledger.jsonl`;
  const ledger = slug ? (await store.read(slug, [path])).get(path) ?? null : null;
  if (!slug || ledger === null || ledger === undefined) {
    throw new IdeaMineError(ErrorCode.notFound, `run "${runId}" does not exist in this repository`, {
      details: ['Run ids look like <slug>-<8 hex>; `ideamine status` lists the runs here.'],
    });
  }
  return { slug, ledger };
}

export async function verifyRun(store: StateStore, runId: string): Promise<VerifyReport> {
  const { slug, ledger } = await requireRun(store, runId);
  const ledgerPath = `${runDir(runId)}/ledger.jsonl`;
  const problems: string[] = [];
  const { entries, problem } = checkLedger(ledger);
  if (problem) problems.push(`${ledgerPath} line ${problem.line}: ${problem.message}`);
  if (entries.length === 0) return { runId, ok: false, entries: 0, artifactsChecked: 0, dossierChecked: 0, problems };
  const state = replay(entries);
  const paths = Object.keys(state.artifacts).sort();
  const files = await store.read(slug, paths);
  for (const path of paths) {
    const content = files.get(path);
    if (content === null || content === undefined) problems.push(`${path}: missing (recorded in the ledger with sha256 ${state.artifacts[path] ?? '?'})`);
    else if (sha256Hex(content) !== state.artifacts[path]) problems.push(`${path}: content does not match its ledger hash (edited after it was recorded)`);
  }
  let dossierChecked = 0;
  if (state.status === 'completed' && state.dossierDigest) {
    const statePath = `${runDir(runId)}/dossier/release-dossier.json`;
    const candidates: [string, string | null][] = [
      [`${statePath} (state branch)`, (await store.read(slug, [statePath])).get(statePath) ?? null],
      [`${dossierPaths(slug).json} (current branch)`, await store.readPublished(dossierPaths(slug).json)],
    ];
    for (const [where, text] of candidates) {
      if (text === null) continue;
      dossierChecked += 1;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        problems.push(`${where}: not valid JSON`);
        continue;
      }
      const digest = (json as { digest?: { value?: unknown }; runId?: unknown }).digest?.value;
      if ((json as { runId?: unknown }).runId !== runId) continue;
      if (!verifyDossier(json)) problems.push(`${where}: digest does not match its content (edited)`);
      else if (digest !== state.dossierDigest) problems.push(`${where}: digest ${String(digest)} differs from the ledger's ${state.dossierDigest}`);
    }
  }
  return { runId, ok: problems.length === 0, entries: entries.length, artifactsChecked: paths.length, dossierChecked, problems };
}
