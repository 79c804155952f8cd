// `ideamine workflow`: writes (or with --check, compares) the two GitHub workflows generated from the phases.
import { findPackageRoot } from '../engine/bundle.js';
import { checkWorkflows, generateForRepo, writeWorkflows } from '../engine/workflow-files.js';
import { parse, type Command } from './io.js';
import { repoRootOf } from './runtime.js';

export const workflowCommand: Command = {
  name: 'workflow',
  summary: 'generate .github/workflows/ideamine.yml and ideamine-run.yml from the phase DAG',
  usage: 'ideamine workflow [--check] [--action-ref <owner/repo@ref>]',
  help: [
    'One job per phase with needs: from the DAG, carrying the bundle hash so drift is caught.',
    '  --check        exit 1 naming each file that differs from a fresh generation (for CI)',
    '  --action-ref   the action the workflows use (default "./", this repository)',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parse('workflow', argv, { check: { type: 'boolean' }, 'action-ref': { type: 'string' } }, { min: 0, max: 0, names: 'no arguments' });
    const repoRoot = await repoRootOf(io.cwd);
    const generated = await generateForRepo({ packageRoot: findPackageRoot(), repoRoot, ...(values['action-ref'] ? { actionRef: values['action-ref'] } : {}) });
    if (values.check) {
      const differences = checkWorkflows(repoRoot, generated);
      for (const line of differences) io.out(`${line}\n`);
      if (differences.length === 0) io.out('Workflows match the phases.\n');
      return differences.length === 0 ? 0 : 1;
    }
    const written = writeWorkflows(repoRoot, generated);
    io.out(written.length === 0 ? 'Workflows already up to date.\n' : `Wrote ${written.join(', ')}.\n`);
    return 0;
  },
};
