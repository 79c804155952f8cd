// Which token permission each operation needs, as GitHub enforces it for GITHUB_TOKEN and App tokens.

export type PermissionLevel = 'read' | 'write';
export type Scope = 'contents' | 'pull-requests' | 'issues' | 'actions' | 'metadata';
/** Mirrors a workflow's `permissions:` block; metadata: read is always granted. */
export type TokenPermissions = Partial<Record<Exclude<Scope, 'metadata'>, PermissionLevel | 'none'>>;

type Need = readonly (readonly [Scope, PermissionLevel])[];

/** Any one of the listed [scope, level] pairs suffices (PR comments accept issues or pull-requests). */
const NEEDS: Readonly<Record<string, Need>> = {
  'repos/get': [['metadata', 'read']],
  'repos/get-collaborator-permission-level': [['metadata', 'read']],
  'git/get-ref': [['contents', 'read']],
  'git/get-commit': [['contents', 'read']],
  'git/create-ref': [['contents', 'write']],
  'git/update-ref': [['contents', 'write']],
  'git/delete-ref': [['contents', 'write']],
  'git/create-commit': [['contents', 'write']],
  'git/create-tree': [['contents', 'write']],
  'git/create-blob': [['contents', 'write']],
  'pulls/list': [['pull-requests', 'read']],
  'pulls/get': [['pull-requests', 'read']],
  'pulls/list-reviews': [['pull-requests', 'read']],
  'pulls/create': [['pull-requests', 'write']],
  'pulls/update': [['pull-requests', 'write']],
  'issues/list-comments': [['issues', 'read'], ['pull-requests', 'read']],
  'issues/create-comment': [['issues', 'write'], ['pull-requests', 'write']],
  'actions/create-workflow-dispatch': [['actions', 'write']],
  'actions/list-workflow-runs': [['actions', 'read']],
  // Needs no permission; GitHub refuses it to installation tokens whatever their permissions (routes-actions.ts).
  'users/get-authenticated': [['metadata', 'read']],
};

const rank = { none: 0, read: 1, write: 2 } as const;

/** Null when allowed; otherwise the permission the workflow would have to declare. */
export function missingScope(operationId: string, granted: TokenPermissions): string | null {
  const need = NEEDS[operationId];
  if (!need) return `no scope is known for ${operationId} (add it to scopes.ts)`;
  const ok = need.some(([scope, level]) => scope === 'metadata' || rank[granted[scope] ?? 'none'] >= rank[level]);
  return ok ? null : need.map(([scope, level]) => `${scope}: ${level}`).join(' or ');
}
