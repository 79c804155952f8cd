// `ideamine workflow`: writes the generated workflows into a repository; --check catches drift.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeIdeaRepo } from './support/cli.js';

describe('ideamine workflow', () => {
  const repo = makeIdeaRepo({});
  afterAll(() => repo.cleanup());

  it('writes both workflows, then --check passes until a file is edited', async () => {
    const written = await repo.cli(['workflow']);
    expect(written.code, written.stderr).toBe(0);
    for (const file of ['ideamine.yml', 'ideamine-run.yml']) expect(existsSync(join(repo.dir, '.github', 'workflows', file))).toBe(true);
    expect((await repo.cli(['workflow', '--check'])).code).toBe(0);
    appendFileSync(join(repo.dir, '.github', 'workflows', 'ideamine-run.yml'), '# hand edit\n');
    const drift = await repo.cli(['workflow', '--check']);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('ideamine-run.yml');
    expect((await repo.cli(['workflow'])).stdout).toContain('ideamine-run.yml');
    expect((await repo.cli(['workflow', '--check'])).code).toBe(0);
  });
});
