// Schema helpers for the offline drafter: effective type, merging, and coercing copied values to a schema.
import { canonicalJson, type Json } from './canonical.js';

export type Schema = { readonly [key: string]: Json | undefined };

export const isRecord = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
export const num = (v: Json | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

export function typeOf(schema: Schema): string {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (isRecord(schema.properties) || schema.required !== undefined) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  if (schema.minimum !== undefined || schema.maximum !== undefined) return 'number';
  return 'string';
}

export function mergeSchemas(a: Schema, b: Schema): Schema {
  const merged: Record<string, Json | undefined> = { ...a, ...b };
  if (isRecord(a.properties) && isRecord(b.properties)) merged.properties = { ...a.properties, ...b.properties };
  if (Array.isArray(a.required) && Array.isArray(b.required)) merged.required = [...new Set([...a.required, ...b.required])];
  return merged;
}

export function coerceNumber(v: unknown, schema: Schema): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  if (typeOf(schema) === 'integer' && !Number.isInteger(v)) return undefined;
  if (v < (num(schema.minimum) ?? -Infinity) || v > (num(schema.maximum) ?? Infinity)) return undefined;
  return v;
}

export function coerceTo(v: unknown, schema: Schema): Json | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(schema.enum)) return schema.enum.find((e) => canonicalJson(e) === canonicalJson(v));
  switch (typeOf(schema)) {
    case 'string':
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'number':
    case 'integer':
      return coerceNumber(v, schema);
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'object':
      return isRecord(v) ? v : undefined;
    case 'array':
      return Array.isArray(v) ? (v as Json[]) : undefined;
    default:
      return v === null ? null : undefined;
  }
}

export function decimals(step: number): number {
  const text = String(step);
  return text.includes('.') ? (text.split('.')[1] ?? '').length : 0;
}
