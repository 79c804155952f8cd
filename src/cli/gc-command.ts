// `ideamine gc`: prunes superseded and deleted runs and unreferenced task outputs.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { gc } from '../engine/gc.js';
import { parse, type Command } from './io.js';
import { openRuntime } from './runtime.js';

export const gcCommand: Command = {
  name: 'gc',
  summary: 'prune superseded runs and unreferenced task outputs',
  usage: 'ideamine gc [--json]',
  help: 'Runs whose idea file was deleted are marked deleted first. Git history keeps everything pruned.',
  async run(argv, io) {
    const { values } = parse('gc', argv, { json: { type: 'boolean' } }, { min: 0, max: 0, names: 'no arguments' });
    const rt = await openRuntime(io);
    try {
      const report = await gc(rt.store, rt.clock, (file) => access(join(rt.repoRoot, file)).then(() => true, () => false));
      if (values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      else io.out(`Pruned ${report.runsPruned.length} run(s)${report.runsPruned.length ? ` (${report.runsPruned.join(', ')})` : ''} and ${report.casPruned} task output(s); kept ${report.casKept}. Marked deleted: ${report.runsMarkedDeleted.length}.\n`);
      return 0;
    } finally {
      await rt.close();
    }
  },
};
