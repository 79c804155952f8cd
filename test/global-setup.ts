// Builds dist/cli.js once before the suite, so process-level tests run the shipped bundle.
// A failed build does not stop unit tests; process-level tests then fail naming the missing bundle.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  try {
    execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.mjs'), 'cli'], { stdio: 'pipe' });
  } catch (error) {
    process.stderr.write(`global-setup: building dist/cli.js failed; process-level tests will fail:\n${String((error as { stderr?: unknown }).stderr ?? error)}\n`);
  }
}
