// CI drift check: the committed Action bundle and generated workflows must equal a fresh build and generation.
// `--fix` rebuilds and regenerates instead (what `npm run build` plus `ideamine workflow` would do).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { buildAll, buildEntry, ENTRIES, ROOT } from './build.mjs';

const FIX = process.argv.includes('--fix');

/** Rebuilds each committed bundle into a temp dir and compares bytes; returns problems, one line each. */
async function checkBundles() {
  const problems = [];
  const dir = mkdtempSync(join(tmpdir(), 'ideamine-drift-'));
  try {
    for (const entry of ENTRIES.filter((e) => e.committed)) {
      if (!existsSync(join(ROOT, entry.source))) {
        console.warn(`check-drift: skipping ${entry.outfile}: ${entry.source} does not exist yet`);
        continue;
      }
      const committed = join(ROOT, entry.outfile);
      if (!existsSync(committed)) {
        problems.push(`${entry.outfile}: missing; run \`npm run build\` and commit it`);
        continue;
      }
      const fresh = await buildEntry(entry, join(dir, `${entry.name}.js`));
      if (!readFileSync(fresh).equals(readFileSync(committed))) {
        problems.push(`${entry.outfile}: differs from a fresh build of ${entry.source}; run \`npm run build\` and commit it`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

/** Regenerates the workflows from this repository's bundle (action referenced as "./") and compares or writes. */
async function checkWorkflowFiles() {
  const files = await tsImport('../src/engine/workflow-files.ts', import.meta.url);
  const generated = await files.generateForRepo({ packageRoot: ROOT, repoRoot: ROOT, actionRef: files.LOCAL_ACTION_REF });
  if (!FIX) return files.checkWorkflows(ROOT, generated);
  for (const written of files.writeWorkflows(ROOT, generated)) console.log(`check-drift: wrote ${written}`);
  return [];
}

try {
  if (FIX) await buildAll({ only: ENTRIES.filter((e) => e.committed).map((e) => e.name) });
  const problems = [...(FIX ? [] : await checkBundles()), ...(await checkWorkflowFiles())];
  if (problems.length > 0) {
    for (const line of problems) console.error(`drift: ${line}`);
    process.exit(1);
  }
  if (!FIX) console.log('check-drift: action bundle and workflows match a fresh build');
} catch (error) {
  // A broken phase bundle (IdeaMineError with details) or build failure: say what, not a stack.
  console.error(`check-drift: ${error instanceof Error ? error.message : String(error)}`);
  for (const line of error?.details ?? []) console.error(`  ${line}`);
  process.exit(1);
}
