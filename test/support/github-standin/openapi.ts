// Checks a request against the committed subset of GitHub's OpenAPI description (route, parameters, body).
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { formatErrors } from '../../../src/core/validate.js';

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: object;
}

interface Operation {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly requestBody?: { readonly required: boolean; readonly schema: object };
}

export interface MatchedRequest {
  readonly operationId: string;
  /** "METHOD /path/{template}" */
  readonly route: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | number | boolean>>;
  readonly body: unknown;
}

export type CheckResult = { readonly ok: true; readonly request: MatchedRequest } | { readonly ok: false; readonly status: number; readonly problem: string };

const SUBSET = new URL('../../fixtures/openapi/github-subset.json', import.meta.url);

interface Compiled {
  readonly op: Operation;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly params: ReadonlyMap<string, ValidateFunction>;
  readonly body: ValidateFunction | null;
}

/** Coerces a query string value the way GitHub reads it (integers and booleans). */
function coerce(value: string, schema: object): string | number | boolean {
  const type = (schema as { type?: unknown }).type;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

export class OpenApiSubset {
  private readonly compiled: Compiled[];

  constructor(file: URL = SUBSET) {
    const subset = JSON.parse(readFileSync(file, 'utf8')) as { operations: Operation[] };
    // GitHub's schemas use OpenAPI keywords (nullable) and loose formats: a lenient Ajv of our own.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.compiled = subset.operations.map((op) => {
      const names: string[] = [];
      const segments = op.path.split('/').map((segment, i, all) => {
        const m = /^\{(\w+)\}$/.exec(segment);
        if (!m?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        // A trailing {ref} may hold slashes (heads/feature/x), encoded or not.
        return i === all.length - 1 && m[1] === 'ref' ? '(.+)' : '([^/]+)';
      });
      const params = new Map(op.parameters.filter((p) => p.in !== 'header').map((p) => [p.name, ajv.compile(p.schema)] as const));
      return { op, pattern: new RegExp(`^${segments.join('/')}$`), names, params, body: op.requestBody ? ajv.compile(op.requestBody.schema) : null };
    });
  }

  get routes(): string[] {
    return this.compiled.map((c) => `${c.op.method} ${c.op.path}`);
  }

  check(method: string, url: URL, rawBody: string): CheckResult {
    const found = this.compiled.find((c) => c.op.method === method && c.pattern.test(url.pathname));
    if (!found) return { ok: false, status: 404, problem: `${method} ${url.pathname}: no such operation in GitHub's API subset` };
    const { op } = found;
    const route = `${op.method} ${op.path}`;
    const match = found.pattern.exec(url.pathname) ?? [];
    const params: Record<string, string> = {};
    found.names.forEach((name, i) => { params[name] = decodeURIComponent(match[i + 1] ?? ''); });
    const query: Record<string, string | number | boolean> = {};
    const problems: string[] = [];
    for (const [key, value] of url.searchParams) {
      const p = op.parameters.find((x) => x.in === 'query' && x.name === key);
      if (!p) { problems.push(`query "${key}" is not a parameter of ${route}`); continue; }
      query[key] = coerce(value, p.schema);
    }
    for (const p of op.parameters) {
      if (p.in === 'header') continue;
      const value = p.in === 'path' ? params[p.name] : query[p.name];
      if (value === undefined) {
        if (p.required) problems.push(`${p.in} parameter "${p.name}" is required`);
        continue;
      }
      const validate = found.params.get(p.name);
      if (validate && !validate(p.in === 'path' ? coerce(String(value), p.schema) : value)) {
        problems.push(...formatErrors(validate.errors ?? []).map((e) => `${p.in} parameter "${p.name}": ${e.replace(/^\(root\): /, '')}`));
      }
    }
    let body: unknown;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        problems.push('request body is not JSON');
      }
    }
    if (op.requestBody && found.body) {
      if (body === undefined) {
        if (op.requestBody.required) problems.push('request body is required');
      } else if (!found.body(body)) {
        problems.push(...formatErrors(found.body.errors ?? []).map((e) => `body ${e}`));
      } else {
        problems.push(...unknownKeys(op.requestBody.schema, body));
      }
    } else if (body !== undefined && method !== 'GET') {
      problems.push(`${route} takes no request body`);
    }
    if (problems.length > 0) return { ok: false, status: 422, problem: `${route}: ${problems.join('; ')}` };
    return { ok: true, request: { operationId: op.operationId, route, params, query, body } };
  }
}

/** GitHub ignores unknown body keys silently; a misspelt key is a bug worth catching here. */
function unknownKeys(schema: object, body: unknown): string[] {
  const properties = (schema as { properties?: Record<string, unknown> }).properties;
  if (!properties || body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  return Object.keys(body).filter((k) => !(k in properties)).map((k) => `body: unknown key "${k}"`);
}
