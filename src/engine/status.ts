// `status`: every run (or one) with its phases, rebuilt from the ledger; a stale run.json is noted.
import { canonicalJson } from '../core/canonical.js';
import { parseLedger } from '../core/ledger.js';
import { replay, type RunState } from '../core/run-state.js';
import { runDir } from '../core/run-id.js';
import type { StateStore } from '../ports/store.js';
import { requireRun } from './verify.js';

export interface RunStatusView {
  readonly state: RunState;
  /** True when the stored run.json disagreed with the ledger (it is only a cache). */
  readonly runJsonStale: boolean;
}

async function load(store: StateStore, slug: string, runId: string): Promise<RunStatusView | null> {
  const ledgerPath = `${runDir(runId)}/ledger.jsonl`;
  const cachePath = `${runDir(runId)}/run.json`;
  const files = await store.read(slug, [ledgerPath, cachePath]);
  const text = files.get(ledgerPath);
  if (!text) return null;
  const state = replay(parseLedger(text, ledgerPath, `branch ideamine/${slug}`));
  const cached = files.get(cachePath);
  let stale = true;
  try {
    stale = cached ? canonicalJson(JSON.parse(cached)) !== canonicalJson(state) : true;
  } catch {
    stale = true;
  }
  return { state, runJsonStale: stale };
}

export async function listRuns(store: StateStore, runId?: string): Promise<RunStatusView[]> {
  if (runId) {
    const { slug } = await requireRun(store, runId);
    const view = await load(store, slug, runId);
    return view ? [view] : [];
  }
  const views: RunStatusView[] = [];
  for (const slug of (await store.slugs()).sort()) {
    for (const id of (await store.list(slug, '.ideamine/runs')).sort()) {
      const view = await load(store, slug, id);
      if (view) views.push(view);
    }
  }
  return views;
}
