// scripts/smoke-live.ts is run by hand against a live repository, never in CI: here only its labels and usage errors.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, PACKAGE_ROOT, type CliResult } from './support/cli.js';

const SCRIPT = join(PACKAGE_ROOT, 'scripts', 'smoke-live.ts');

function smoke(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: PACKAGE_ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('scripts/smoke-live.ts', () => {
  it('says at the top of the file and in --help that it runs against a live repository and not in CI', async () => {
    expect(readFileSync(SCRIPT, 'utf8').split('\n')[0]).toMatch(/LIVE .*NOT run in CI/);
    const help = await smoke(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('LIVE smoke test');
    expect(help.stdout).toContain('NOT run in CI');
    expect(help.stdout).toContain('Usage: GITHUB_TOKEN=<token> node --import tsx scripts/smoke-live.ts OWNER/REPO');
  });

  it('refuses to start without a token, without OWNER/REPO or with a bad slug (exit 2), before any request', async () => {
    const noToken = await smoke(['acme/widgets']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('smoke-live: no token: set GITHUB_TOKEN (or GH_TOKEN)');
    const noRepo = await smoke([], { GITHUB_TOKEN: 'ghp-x' });
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain('expected one OWNER/REPO argument, got nothing');
    const badSlug = await smoke(['acme/widgets', '--slug', 'Bad Slug'], { GH_TOKEN: 'ghp-x' });
    expect(badSlug.code).toBe(2);
    expect(badSlug.stderr).toContain('--slug "Bad Slug"');
  });
});
