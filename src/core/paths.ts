// A tiny path language over JSON ("idea.core_features", "artifacts.prd.features[*].id"),
// shared by the offline drafter's schema hints and the gate's coverage and count metrics.

/** Resolves a dotted path with `[*]` flattening; returns every value reached, in order. */
export function select(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const segment of parsePath(path)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (segment === '*') {
        if (Array.isArray(value)) next.push(...(value as unknown[]));
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const child = (value as Record<string, unknown>)[segment];
        if (child !== undefined) next.push(child);
      }
    }
    current = next;
  }
  return current;
}

export function parsePath(path: string): string[] {
  const segments: string[] = [];
  for (const part of path.split('.')) {
    const match = /^([A-Za-z0-9_$-]*)((?:\[\*\])*)$/.exec(part);
    if (!match) throw new SyntaxError(`bad path segment "${part}" in "${path}"`);
    if (match[1]) segments.push(match[1]);
    const stars = (match[2] ?? '').length / 3;
    for (let i = 0; i < stars; i += 1) segments.push('*');
  }
  return segments;
}

/** Lower-cased, whitespace-collapsed text used for coverage comparisons. */
export const normaliseLabel = (value: unknown): string =>
  (typeof value === 'string' ? value : JSON.stringify(value) ?? '').toLowerCase().replace(/\s+/g, ' ').trim();
