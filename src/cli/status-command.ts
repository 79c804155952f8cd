// `ideamine status [run-id]`: runs with phase, status, attempts, gate score, tokens and cost.
import { pendingTimers } from '../core/run-state.js';
import { listRuns } from '../engine/status.js';
import { fmtTokens, fmtUsd, parse, type Command } from './io.js';
import { openRuntime } from './runtime.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'list runs and their phases (status, attempts, gate score, tokens, cost)',
  usage: 'ideamine status [run-id] [--json]',
  help: 'Reads each run\'s ledger on its state branch (run.json is only a cache and is rebuilt from the ledger).\n  --json  print the runs as JSON on stdout',
  async run(argv, io) {
    const { values, positionals } = parse('status', argv, { json: { type: 'boolean' } }, { min: 0, max: 1, names: 'at most one run id' });
    const rt = await openRuntime(io);
    try {
      const views = await listRuns(rt.store, positionals[0]);
      if (values.json) {
        io.out(`${JSON.stringify(views.map((v) => ({ ...v.state, runJsonStale: v.runJsonStale })), null, 2)}\n`);
        return 0;
      }
      if (views.length === 0) {
        io.out('No runs yet. Start one with: ideamine run ideas/<slug>.yaml\n');
        return 0;
      }
      for (const { state, runJsonStale } of views) {
        io.out(`${state.runId}  ${state.status}  model ${state.modelId} (${state.provenance})  idea ${state.ideaFile}  updated ${state.updatedAt}\n`);
        if (runJsonStale) io.out('  (run.json disagreed with the ledger; shown as rebuilt from the ledger)\n');
        for (const [id, p] of Object.entries(state.phases)) {
          const tokens = p.tokens ? p.tokens.input + p.tokens.output : null;
          io.out(`  ${id.padEnd(13)} ${p.status.padEnd(8)} attempts ${p.attempts}  score ${p.score === null ? '—' : p.score.toFixed(2)}  tokens ${fmtTokens(tokens)}  cost ${fmtUsd(p.costUsd)}\n`);
        }
        for (const t of pendingTimers(state)) io.out(`  paused: ${t.reason}${t.phase ? ` in ${t.phase}` : ''}, not before ${t.notBefore} (timer ${t.id}); \`ideamine run ${state.ideaFile}\` continues it\n`);
        io.out(`  total ${fmtUsd(state.budget.spentUsd)} of $${state.budget.usd.toFixed(2)}; waivers ${state.waivers.length}; ledger seq ${state.seq} head ${state.headHash.slice(0, 12)}\n\n`);
      }
      return 0;
    } finally {
      await rt.close();
    }
  },
};
