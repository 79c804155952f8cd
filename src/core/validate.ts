// JSON Schema validation (ajv, draft-07) with errors as "path: message" lines.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Json } from './canonical.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** One Ajv per process: schemas compile once. `x-draft` is the offline drafter's hint keyword. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-draft', schemaType: 'object' });
  return ajv;
}

let shared: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** Compiles (once per distinct schema text) and validates; returns [] when valid. */
export function validateAgainst(schema: Json, value: unknown): string[] {
  shared ??= createAjv();
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = shared.compile(schema as object);
    compiled.set(key, validate);
  }
  return validate(value) ? [] : formatErrors(validate.errors ?? []);
}

export function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => {
    const where = e.instancePath === '' ? '(root)' : e.instancePath.slice(1).replace(/\//g, '.');
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty ?? '?';
      return `${where}: unknown key "${extra}" (remove it or check its spelling)`;
    }
    if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      return `${where}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return `${where}: ${e.message ?? e.keyword}`;
  });
}
