// `ideamine waive <run-id> <phase>`: a human accepts a blocked phase; the next `run` continues.
import { badInput } from '../core/errors.js';
import { waive } from '../engine/waive.js';
import { parse, type Command } from './io.js';
import { openRuntime } from './runtime.js';

export const waiveCommand: Command = {
  name: 'waive',
  summary: 'grant a waiver for a blocked phase (who, why, compensating control, expiry)',
  usage: 'ideamine waive <run-id> <phase> --justification <text> --by <name> [--expires 30d] [--control <compensating control>]',
  help: 'Records the waiver in the run\'s ledger; `ideamine run <idea-file>` then continues past the phase.\nThe waiver appears in the release dossier. An expired waiver reopens the gate.',
  async run(argv, io) {
    const { values, positionals } = parse('waive', argv, {
      justification: { type: 'string' }, by: { type: 'string' }, expires: { type: 'string' }, control: { type: 'string' },
    }, { min: 2, max: 2, names: '<run-id> <phase>' });
    if (values.justification === undefined) throw badInput('ideamine waive: --justification <text> is required (why the gate may be waived)');
    if (values.by === undefined) throw badInput('ideamine waive: --by <name> is required (who grants the waiver)');
    const rt = await openRuntime(io);
    try {
      const [runId = '', phase = ''] = positionals;
      const { expiresAt } = await waive(rt.store, rt.clock, rt.scrub, {
        runId, phase, justification: values.justification, by: values.by,
        ...(values.expires === undefined ? {} : { expires: values.expires }),
        ...(values.control === undefined ? {} : { control: values.control }),
      });
      io.out(`Waiver recorded for ${phase} of ${runId} by ${values.by}${expiresAt ? `, expires ${expiresAt}` : ' (no expiry)'}.\nContinue the run with: ideamine run <idea-file>\n`);
      return 0;
    } finally {
      await rt.close();
    }
  },
};
