// `ideamine verify <run-id>`: exit 0 if the ledger chain, artifacts and dossier are intact.
import { verifyRun } from '../engine/verify.js';
import { parse, type Command } from './io.js';
import { openRuntime } from './runtime.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check a run\'s ledger hash chain, every artifact\'s hash and the dossier digest',
  usage: 'ideamine verify <run-id> [--json]',
  help: 'Exit 0 when intact; exit 1 naming the first bad ledger entry or file otherwise.\n  --json  print the report as JSON on stdout',
  async run(argv, io) {
    const { values, positionals } = parse('verify', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'one run id' });
    const rt = await openRuntime(io);
    try {
      const report = await verifyRun(rt.store, positionals[0] ?? '');
      if (values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      else if (report.ok) io.out(`✓ ${report.runId}: ledger chain intact (${report.entries} entries), ${report.artifactsChecked} artifact(s) match their hashes, ${report.dossierChecked} dossier cop${report.dossierChecked === 1 ? 'y' : 'ies'} verified\n`);
      else io.out(`✗ ${report.runId}: ${report.problems[0] ?? 'unknown problem'}\n${report.problems.slice(1).map((p) => `  also: ${p}\n`).join('')}`);
      return report.ok ? 0 : 1;
    } finally {
      await rt.close();
    }
  },
};
