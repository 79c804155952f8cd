// `gc`: prunes superseded and deleted runs and the task outputs no remaining run references.
import { parseLedger } from '../core/ledger.js';
import { replay } from '../core/run-state.js';
import { runDir } from '../core/run-id.js';
import type { Clock } from '../ports/clock.js';
import type { StateStore } from '../ports/store.js';
import { RunSession } from './session.js';

export interface GcReport {
  runsPruned: string[];
  runsMarkedDeleted: string[];
  casPruned: number;
  casKept: number;
}

/** `ideaExists(file)` tells whether a run's idea file is still in the repository. */
export async function gc(store: StateStore, clock: Clock, ideaExists: (file: string) => Promise<boolean>): Promise<GcReport> {
  const report: GcReport = { runsPruned: [], runsMarkedDeleted: [], casPruned: 0, casKept: 0 };
  for (const slug of await store.slugs()) {
    const runs = await store.list(slug, '.ideamine/runs');
    const referenced = new Set<string>();
    const prune: string[] = [];
    for (const runId of runs) {
      const path = `${runDir(runId)}/ledger.jsonl`;
      const text = (await store.read(slug, [path])).get(path);
      if (!text) continue;
      let state = replay(parseLedger(text, path, `branch ideamine/${slug}`));
      if (state.status !== 'deleted' && !(await ideaExists(state.ideaFile))) {
        const session = await RunSession.open({ store, clock, scrub: (t) => t }, slug, runId);
        await session?.record([{ type: 'run.deleted', phase: null, data: { reason: `${state.ideaFile} no longer exists` } }]);
        report.runsMarkedDeleted.push(runId);
        state = session?.state ?? state;
      }
      if (state.status === 'superseded' || state.status === 'deleted') prune.push(runId);
      else for (const task of Object.values(state.tasks)) referenced.add(task.casKey);
    }
    const cas = (await store.list(slug, '.ideamine/cas')).map((name) => name.replace(/\.json$/, ''));
    const unreferenced = cas.filter((key) => !referenced.has(key));
    report.casKept += cas.length - unreferenced.length;
    if (prune.length === 0 && unreferenced.length === 0) continue;
    await store.commit(slug, {
      writes: [...prune.map((id) => ({ path: runDir(id), content: null })), ...unreferenced.map((key) => ({ path: `.ideamine/cas/${key}.json`, content: null }))],
      message: `ideamine: gc ${slug}: ${prune.length} run(s), ${unreferenced.length} task output(s)`,
      trailers: { 'IdeaMine-Event': 'gc' },
      expectedTip: await store.tip(slug),
    });
    report.runsPruned.push(...prune);
    report.casPruned += unreferenced.length;
  }
  return report;
}
