// Bundles the CLI (dist/cli.js, built on install) and the Action (action/dist/index.js, committed) with esbuild.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Entry points: the CLI bundle is not committed; the Action bundle is, and CI checks it for drift. */
export const ENTRIES = [
  { name: 'cli', source: 'src/cli/main.ts', outfile: 'dist/cli.js', committed: false },
  { name: 'action', source: 'action/src/main.ts', outfile: 'action/dist/index.js', committed: true },
];

// ESM output still meets CommonJS dependencies that call require(); give them one.
const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Builds one entry to `outfile` (absolute or relative to the repository root).
 * Not minified: the committed Action bundle stays reviewable in diffs, and stack traces readable.
 * absWorkingDir pins the path comments esbuild writes, so the output does not depend on the cwd.
 */
export async function buildEntry(entry, outfile = entry.outfile) {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entry.source],
    outfile: resolve(ROOT, outfile),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: BANNER },
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return resolve(ROOT, outfile);
}

/** Builds every entry whose source exists; a missing one is skipped with a warning, not an error. */
export async function buildAll({ only } = {}) {
  const built = [];
  for (const entry of ENTRIES) {
    if (only && !only.includes(entry.name)) continue;
    if (!existsSync(join(ROOT, entry.source))) {
      console.warn(`build: skipping ${entry.name}: ${entry.source} does not exist yet`);
      continue;
    }
    const file = await buildEntry(entry);
    const kb = (statSync(file).size / 1024).toFixed(0);
    console.log(`build: ${entry.source} -> ${relative(ROOT, file)} (${kb} KiB)`);
    built.push(entry.name);
  }
  return built;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const only = process.argv.slice(2);
  buildAll(only.length > 0 ? { only } : {}).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
