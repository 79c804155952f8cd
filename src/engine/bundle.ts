// Loads the inputs a run pins: the phase bundle (phases, artifact schemas, agent prompts) and the idea file.
import { existsSync, readFileSync } from 'node:fs';
import { lstat, open, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agents } from '../agents/index.js';
import type { AgentDefinition } from '../agents/types.js';
import { hashJson, type Json } from '../core/canonical.js';
import { badInput, ErrorCode, IdeaMineError } from '../core/errors.js';
import { MAX_IDEA_BYTES, type LoadedIdea } from '../core/idea.js';
import { loadIdeaError, parseIdea } from '../core/idea-parse.js';
import type { PhaseConfig } from '../core/phase-config.js';
import { checkBundle, parsePhaseFile, topoOrder } from '../core/phases.js';
import { validateAgainst } from '../core/validate.js';

export interface Bundle {
  /** In topological order. */
  readonly phases: PhaseConfig[];
  /** Artifact name → JSON Schema. */
  readonly schemas: Record<string, Json>;
  readonly agents: Record<string, AgentDefinition>;
  /** hashJson({ phases, schemas, prompts: agents }): pinned in each run. */
  readonly hash: string;
  /** "built-in" or ".ideamine/phases". */
  readonly source: string;
}

export const OVERRIDE_DIR = '.ideamine/phases';
const outside = (rel: string): boolean => rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/** Phases from <repoRoot>/.ideamine/phases/ when that directory exists, else the package's phases/. */
export async function loadBundle(options: { packageRoot: string; repoRoot: string }): Promise<Bundle> {
  const override = join(options.repoRoot, OVERRIDE_DIR);
  const useOverride = await stat(override).then((s) => s.isDirectory(), () => false);
  const source = useOverride ? OVERRIDE_DIR : 'built-in';
  const phaseDir = useOverride ? override : join(options.packageRoot, 'phases');
  const label = useOverride ? OVERRIDE_DIR : 'phases';
  const issues: string[] = [];

  const phases: PhaseConfig[] = [];
  const phaseFiles = (await listDir(phaseDir)).filter((f) => /^[^.].*\.ya?ml$/.test(f));
  for (const name of phaseFiles) {
    const parsed = parsePhaseFile(`${label}/${name}`, await readFile(join(phaseDir, name), 'utf8'));
    if (parsed.ok) phases.push(parsed.value);
    else issues.push(...parsed.issues);
  }
  if (phaseFiles.length === 0) issues.push(`${label}/: (bundle): no phase files (*.yaml) found — add phase files, or delete the directory to use the built-in phases`);
  const schemas = await loadSchemas(options.packageRoot, issues);
  const table: Record<string, AgentDefinition> = { ...agents };
  if (issues.length === 0) {
    const fileOf = (id: string): string => `${label}/${phaseFiles.find((f) => f.replace(/\.ya?ml$/, '') === id) ?? `${id}.yaml`}`;
    issues.push(...checkBundle(phases, new Set(Object.keys(schemas)), new Set(Object.keys(table)), fileOf));
  }
  if (issues.length > 0) {
    const where = useOverride ? `${OVERRIDE_DIR}/ (this repository's override)` : `the built-in phases/ (${phaseDir})`;
    throw badInput(`the phase bundle in ${where} has ${issues.length === 1 ? '1 problem' : `${issues.length} problems`}`, issues);
  }
  const ordered = topoOrder(phases);
  return { phases: ordered, schemas, agents: table, hash: hashJson({ phases: ordered, schemas, prompts: table }), source };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (caught) {
    if (isMissing(caught)) return [];
    throw caught;
  }
}

/** schemas/artifacts/<name>.schema.json, each parsed and compiled, so a broken schema fails here and not mid-run. */
async function loadSchemas(packageRoot: string, issues: string[]): Promise<Record<string, Json>> {
  const dir = join(packageRoot, 'schemas', 'artifacts');
  const schemas: Record<string, Json> = {};
  for (const name of (await listDir(dir)).filter((f) => f.endsWith('.schema.json'))) {
    const file = `schemas/artifacts/${name}`;
    try {
      const schema = JSON.parse(await readFile(join(dir, name), 'utf8')) as Json;
      // Compiles into validate.ts's shared cache: a broken schema fails here, and later validation reuses it.
      validateAgainst(schema, null);
      schemas[name.slice(0, -'.schema.json'.length)] = schema;
    } catch (caught) {
      issues.push(`${file}: (schema): ${caught instanceof Error ? caught.message : String(caught)} — fix the JSON Schema`);
    }
  }
  return schemas;
}

/**
 * Reads and parses an idea file. A relative `file` is resolved against `repoRoot`; the file must be a regular
 * file inside the repository (symlinks included), at most MAX_IDEA_BYTES.
 */
export async function loadIdeaFile(repoRoot: string, file: string): Promise<LoadedIdea> {
  if (file.trim() === '') throw badInput('no idea file given', ['name one, e.g. ideas/<slug>.yaml', 'list the ideas with `ls ideas/`']);
  const root = resolve(repoRoot);
  const absolute = resolve(root, file);
  const rel = relative(root, absolute);
  const hintLs = 'list the ideas with `ls ideas/`';
  if (rel === '' || outside(rel)) {
    throw badInput(`${file}: is outside the repository ${root}`, ['idea files live in the repository, e.g. ideas/<slug>.yaml', hintLs]);
  }
  const name = rel.split(sep).join('/');
  const info = await lstat(absolute).catch((caught: unknown) => {
    if (isMissing(caught)) throw new IdeaMineError(ErrorCode.notFound, `${name}: no such idea file`, { details: [hintLs] });
    throw caught;
  });
  // Checked on the resolved path, so a symlinked file or a symlinked directory on the way both count.
  const [realRoot, target] = await Promise.all([realpath(root), realpath(absolute).catch(() => undefined)]);
  if (target === undefined) throw new IdeaMineError(ErrorCode.notFound, `${name}: is a symbolic link to a missing file`, { details: [hintLs] });
  const inside = relative(realRoot, target);
  if (outside(inside)) {
    const what = info.isSymbolicLink() ? 'is a symbolic link' : 'goes through a symbolic link';
    throw badInput(`${name}: ${what} to ${target}, outside the repository`, ['commit the idea file itself under ideas/', hintLs]);
  }
  const real = await stat(absolute);
  if (real.isDirectory()) throw badInput(`${name}: is a directory, not an idea file`, [`name one file, e.g. ${name.replace(/\/$/, '')}/<slug>.yaml`, hintLs]);
  if (!real.isFile()) throw badInput(`${name}: is not a regular file`, [hintLs]);
  if (real.size > MAX_IDEA_BYTES) {
    throw loadIdeaError(name, [`${name}: (file): the file is ${real.size} bytes, over the ${MAX_IDEA_BYTES}-byte limit — shorten it`]);
  }
  const bytes = await readAtMost(absolute, MAX_IDEA_BYTES + 1);
  const parsed = parseIdea({ file: name, bytes });
  if (!parsed.ok) throw loadIdeaError(name, parsed.issues);
  return parsed.value;
}

/** Reads up to `limit` bytes, so a file that grew after stat is still bounded (parseIdea refuses the excess). */
async function readAtMost(file: string, limit: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(limit);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, null);
      if (bytesRead === 0 || filled + bytesRead >= limit) return buffer.subarray(0, filled + bytesRead);
      filled += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** This package's root: the nearest directory upwards with a package.json named "ideamine" (works from src/ and dist/). */
export function findPackageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'ideamine') return dir;
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new IdeaMineError(ErrorCode.internal, `cannot find the ideamine package root above ${from}`);
    dir = parent;
  }
}
