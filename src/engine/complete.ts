// Completion: the release dossier on the state branch, the run.completed event, and the local publish.
import { prettyJson } from '../core/canonical.js';
import { buildDossier } from '../core/dossier.js';
import type { GateResult } from '../core/gate-types.js';
import type { LedgerEntry } from '../core/ledger.js';
import { runDir, stateBranch } from '../core/run-id.js';
import type { StateStore } from '../ports/store.js';
import type { EngineContext } from './context.js';
import { recordedGate } from './phase.js';
import type { RunSession } from './session.js';

export interface DossierOutcome {
  readonly digest: string;
  readonly statePaths: readonly string[];
  /** Where the dossier landed on the user's branch, or why it did not. */
  readonly published: { readonly committed: boolean; readonly where: string; readonly paths: readonly string[] };
}

export const dossierPaths = (slug: string): { md: string; json: string } => ({
  md: `dossiers/${slug}/RELEASE_DOSSIER.md`,
  json: `dossiers/${slug}/release-dossier.json`,
});

/** Where a run keeps its dossier on the state branch. */
export const storedDossierPaths = (runId: string): { md: string; json: string } => ({
  md: `${runDir(runId)}/dossier/RELEASE_DOSSIER.md`,
  json: `${runDir(runId)}/dossier/release-dossier.json`,
});

/** The commit that puts a dossier on a user-facing branch: its trailers tie it to the run, digest and ledger head. */
export const dossierCommitMessage = (slug: string, runId: string, digest: string, ledgerHead: string): string =>
  `ideamine: release dossier for ${slug}\n\nIdeaMine-Run: ${runId}\nIdeaMine-Digest: ${digest}\nIdeaMine-Ledger-Head: ${ledgerHead}`;

/** The ledger head run.completed recorded (what the dossier names), or '' before completion. */
export const completedLedgerHead = (ledger: readonly LedgerEntry[]): string => {
  const head = ledger.findLast((e) => e.type === 'run.completed')?.data['ledgerHead'];
  return typeof head === 'string' ? head : '';
};

export async function completeRun(ctx: EngineContext, packageVersion: string, publish: boolean): Promise<DossierOutcome> {
  const { session, bundle } = ctx;
  const state = session.state;
  const gates: Record<string, GateResult | null> = {};
  const artifacts: Record<string, { path: string; sha256: string }[]> = {};
  for (const phase of bundle.phases) {
    gates[phase.id] = recordedGate(ctx, phase.id, state.phases[phase.id]?.attempts ?? 0);
    const prefix = `${runDir(session.runId)}/artifacts/${phase.id}/`;
    artifacts[phase.id] = Object.entries(state.artifacts)
      .filter(([path]) => path.startsWith(prefix))
      .map(([path, sha256]) => ({ path, sha256 }));
  }
  const last = session.ledger.at(-1);
  const built = buildDossier({
    state: { ...state, status: 'completed' }, idea: JSON.parse(session.scrub(JSON.stringify(ctx.idea.idea))) as typeof ctx.idea.idea, ideaFile: ctx.idea.file,
    phaseOrder: bundle.phases.map((p) => ({ id: p.id, title: p.title, needs: p.needs })),
    gates, artifacts, ledgerHead: { seq: last?.seq ?? 0, hash: last?.hash ?? '' },
    generatedAt: ctx.clock.now().toISOString(), stateBranch: stateBranch(session.slug), packageVersion,
  });
  const jsonText = prettyJson(built.json);
  const stored = storedDossierPaths(session.runId);
  await session.record(
    [{ type: 'run.completed', phase: null, data: { dossierDigest: built.digest, ledgerHead: last?.hash ?? '' } }],
    [{ path: stored.json, content: jsonText }, { path: stored.md, content: built.markdown }],
  );
  const paths = dossierPaths(session.slug);
  let published: DossierOutcome['published'] = { committed: false, where: `state branch ${stateBranch(session.slug)} only (publishing not requested)`, paths: [] };
  if (publish) {
    const result = await ctx.store.publish(
      [{ path: paths.md, content: session.scrub(built.markdown) }, { path: paths.json, content: session.scrub(jsonText) }],
      dossierCommitMessage(session.slug, session.runId, built.digest, last?.hash ?? ''),
    );
    published = { committed: result.committed, where: result.where, paths: result.committed ? [paths.md, paths.json] : [] };
  }
  return { digest: built.digest, statePaths: [stored.json, stored.md], published };
}

/** A run killed between completing and publishing: put its stored dossier on the user's branch now (null: nothing to do). */
export async function republish(store: StateStore, session: RunSession, log: (line: string) => void): Promise<DossierOutcome | null> {
  const stored = storedDossierPaths(session.runId);
  const sources = await session.readMany([stored.md, stored.json]);
  const md = sources.get(stored.md);
  const json = sources.get(stored.json);
  if (!md || !json) return null;
  const paths = dossierPaths(session.slug);
  if ((await store.readPublished(paths.json)) === json && (await store.readPublished(paths.md)) === md) return null;
  const digest = session.state.dossierDigest ?? '';
  const result = await store.publish([{ path: paths.md, content: md }, { path: paths.json, content: json }],
    dossierCommitMessage(session.slug, session.runId, digest, completedLedgerHead(session.ledger)));
  log(result.committed ? `Published the release dossier of ${session.runId} (${result.where}).` : `The release dossier stays on the state branch: ${result.where}`);
  return { digest, statePaths: [stored.json, stored.md], published: { committed: result.committed, where: result.where, paths: result.committed ? [paths.md, paths.json] : [] } };
}
