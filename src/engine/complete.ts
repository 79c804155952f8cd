// Completion: the release dossier on the state branch, the run.completed event, and the local publish.
import { prettyJson } from '../core/canonical.js';
import { buildDossier } from '../core/dossier.js';
import type { GateResult } from '../core/gate-types.js';
import { runDir, stateBranch } from '../core/run-id.js';
import type { EngineContext } from './context.js';
import { recordedGate } from './phase.js';

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
  const dir = `${runDir(session.runId)}/dossier`;
  await session.record(
    [{ type: 'run.completed', phase: null, data: { dossierDigest: built.digest, ledgerHead: last?.hash ?? '' } }],
    [{ path: `${dir}/release-dossier.json`, content: jsonText }, { path: `${dir}/RELEASE_DOSSIER.md`, content: built.markdown }],
  );
  const paths = dossierPaths(session.slug);
  let published: DossierOutcome['published'] = { committed: false, where: `state branch ${stateBranch(session.slug)} only (publishing not requested)`, paths: [] };
  if (publish) {
    const result = await ctx.store.publish(
      [{ path: paths.md, content: session.scrub(built.markdown) }, { path: paths.json, content: session.scrub(jsonText) }],
      `ideamine: release dossier for ${session.slug}\n\nIdeaMine-Run: ${session.runId}\nIdeaMine-Digest: ${built.digest}\nIdeaMine-Ledger-Head: ${last?.hash ?? ''}`,
    );
    published = { committed: result.committed, where: result.where, paths: result.committed ? [paths.md, paths.json] : [] };
  }
  return { digest: built.digest, statePaths: [`${dir}/release-dossier.json`, `${dir}/RELEASE_DOSSIER.md`], published };
}
