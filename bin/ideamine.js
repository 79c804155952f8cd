#!/usr/bin/env node
// Entry of the `ideamine` command: the bundled CLI (built by `npm run build`, run by `npm ci` via prepare).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write(`ideamine: ${bundle} is missing; build it with \`npm run build\` in ${root}\n`);
  process.exit(1);
}
const { cli } = await import(pathToFileURL(bundle).href);
await cli();
