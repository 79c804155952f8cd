// The Action's release command when branch protection refuses the direct commit of the dossier: the dossier goes
// to ideamine-release/<slug> and a pull request into the default branch proposes it, said in the summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { startActionHarness, type ActionHarness } from './support/action-harness.js';

const SLUG = 'shared-grocery-list';
let h: ActionHarness;

beforeAll(async () => {
  h = await startActionHarness({ label: 'action-release', ideas: [SLUG] });
  // The run itself, done locally offline (same model id as the Action's offline model, so the same run id), and
  // its state branch pushed as the phase jobs would have.
  const run = await runCli(['run', `ideas/${SLUG}.yaml`], { cwd: h.repo.dir });
  expect(run.code, run.stderr).toBe(0);
  h.repo.git('push', '-q', 'origin', `ideamine/${SLUG}`);
  h.repo.git('reset', '-q', '--hard', 'origin/main');
});
afterAll(() => h.close());

describe('action: release onto a protected default branch', () => {
  it('commits the dossier to ideamine-release/<slug> and opens one pull request into main', async () => {
    h.standIn.protect('main');
    const mainBefore = h.standIn.repo.refs.get('heads/main');
    const r = await h.runAction({ command: 'release', slug: SLUG });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    expect(h.standIn.repo.refs.get('heads/main'), 'main is untouched').toBe(mainBefore);
    const dossier = h.standIn.readFile(`ideamine-release/${SLUG}`, `dossiers/${SLUG}/release-dossier.json`);
    expect(dossier).not.toBeNull();
    const ledger = h.remoteGit('show', `ideamine/${SLUG}:.ideamine/runs/${r.outputs['run-id'] ?? ''}/ledger.jsonl`);
    const headHash = (JSON.parse(dossier ?? '{}') as { ledger?: { headHash?: string } }).ledger?.headHash ?? '';
    expect(headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(ledger, 'the dossier names an entry of the ledger').toContain(`"hash":"${headHash}"`);
    const pulls = h.standIn.repo.pulls.filter((p) => p.state === 'open');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ title: 'Release dossier: Shared grocery list' });
    expect(pulls[0]?.body).toContain('refused');
    expect(r.summary).toMatch(/Opened pull request #\d+ .* into main/);
  });

  it('a second release job finds the same pull request instead of opening another', async () => {
    const r = await h.runAction({ command: 'release', slug: SLUG });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(h.standIn.repo.pulls.filter((p) => p.state === 'open')).toHaveLength(1);
    expect(r.summary).toMatch(/Pull request #\d+ .* already proposes the dossier/);
  });
});
