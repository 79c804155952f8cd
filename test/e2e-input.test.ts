// End to end, bad input: exit 2, a message naming the file (or flag) and the fix, and nothing written to the repository.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleIdea, jsonOf, makeIdeaRepo, type IdeaRepo, type RepoSnapshot, type RunJson } from './support/cli.js';

const good = exampleIdea('shared-grocery-list.yaml');
const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');

const files: Record<string, string | Buffer> = {
  'ideas/shared-grocery-list.yaml': good,
  'ideas/malformed.yaml': 'name: "Broken quote\ndescription: [a, b\n',
  'ideas/unknown-key.yaml': `${good}colour: blue\n`,
  'ideas/missing-field.yaml': good.replace(/^name: .*\n/m, ''),
  'ideas/wrong-type.yaml': good.replace(/^complexity: .*$/m, 'complexity: 7'),
  'ideas/Not_A_Slug.yaml': good,
  'ideas/empty.yaml': '',
  'ideas/binary.yaml': Buffer.concat([Buffer.from('name: x\n'), Buffer.from([0, 1, 2, 255, 0])]),
  'ideas/huge.yaml': `${good}long_description: "${'a'.repeat(270 * 1024)}"\n`,
  'ideas/alias-bomb.yaml': `${aliasBomb}\n`,
  'ideas/duplicate-keys.yaml': `${good}name: Again\n`,
};

let repo: IdeaRepo;
let runId = '';
let before: RepoSnapshot;

beforeAll(async () => {
  repo = makeIdeaRepo(files);
  writeFileSync(join(repo.root, 'x.yaml'), good);
  // A completed run, so `verify` and `waive` have something real to refuse.
  const done = await repo.cli(['run', 'ideas/shared-grocery-list.yaml', '--json']);
  expect(done.code, done.stderr).toBe(0);
  runId = jsonOf<RunJson>(done).runId;
  before = repo.snapshot();
});
afterAll(() => repo.cleanup());

interface BadCase {
  readonly name: string;
  readonly args: readonly string[];
  /** Every pattern must appear in stderr: the file or flag, the place, the fix. */
  readonly says: readonly (string | RegExp)[];
  readonly env?: Record<string, string | undefined>;
}

const idea = (file: string, ...says: (string | RegExp)[]): BadCase => ({ name: file, args: ['run', `ideas/${file}`], says: [`ideas/${file}`, ...says] });

const cases: readonly BadCase[] = [
  idea('malformed.yaml', /ideas\/malformed\.yaml:\d+:\d+: \(yaml\)/, 'close the quote'),
  idea('unknown-key.yaml', /unknown-key\.yaml:\d+:1: colour: unknown key/, 'remove it'),
  idea('missing-field.yaml', 'name: missing required field', 'add it'),
  idea('wrong-type.yaml', /wrong-type\.yaml:\d+:\d+: complexity: must be one of/),
  idea('Not_A_Slug.yaml', 'is not a valid idea slug', 'rename the file'),
  idea('empty.yaml', 'the file is empty', 'copy one of the examples'),
  idea('binary.yaml', 'binary content', 'UTF-8 text'),
  idea('huge.yaml', /over the 262144-byte limit/, 'shorten it'),
  idea('alias-bomb.yaml', 'alias bomb', 'write the values out in full'),
  idea('duplicate-keys.yaml', /duplicate-keys\.yaml:\d+:1: \(yaml\): Map keys must be unique/, 'delete the repeated key'),
  { name: 'a path outside the repository', args: ['run', '../x.yaml'], says: ['x.yaml: is outside the repository', 'idea files live in the repository'] },
  { name: 'a nonexistent file', args: ['run', 'ideas/nope.yaml'], says: ['ideas/nope.yaml: no such idea file', 'ls ideas/'] },
  { name: 'verify of a nonexistent run id', args: ['verify', 'nope-12345678'], says: ['run "nope-12345678" does not exist', 'ideamine status'] },
  { name: 'waive of a phase that is not blocked', args: ['waive', '<run>', 'intake', '--justification', 'a good reason here', '--by', 'Ada'], says: ['phase "intake"', 'is passed, not blocked'] },
  { name: 'waive of an unknown phase', args: ['waive', '<run>', 'marketing', '--justification', 'a good reason here', '--by', 'Ada'], says: ['"marketing" is not a phase', 'Phases: intake, ideation'] },
  { name: 'waive without --by', args: ['waive', '<run>', 'intake', '--justification', 'a good reason here'], says: ['--by <name> is required'] },
  { name: '--concurrency 0', args: ['run', 'ideas/shared-grocery-list.yaml', '--concurrency', '0'], says: ['--concurrency: "0" is not a positive integer', 'Example: --concurrency 4'] },
  { name: '--budget-usd abc', args: ['run', 'ideas/shared-grocery-list.yaml', '--budget-usd', 'abc'], says: ['--budget-usd: "abc" is not a positive number', 'Example: --budget-usd 2.50'] },
  { name: 'an unknown flag', args: ['run', 'ideas/shared-grocery-list.yaml', '--frobnicate'], says: ["Unknown option '--frobnicate'", 'ideamine run --help'] },
  { name: 'an unknown command', args: ['launch'], says: ['unknown command "launch"', 'Commands:'] },
  { name: '--model replay:missing.json', args: ['run', 'ideas/shared-grocery-list.yaml', '--model', 'replay:missing.json'], says: ['cannot read cassette missing.json', 'record one with --record'] },
  { name: 'an unknown model', args: ['run', 'ideas/shared-grocery-list.yaml', '--model', 'gpt'], says: ['unknown model "gpt"', 'offline, anthropic, replay:'] },
  {
    name: '--model anthropic without ANTHROPIC_API_KEY',
    args: ['run', 'ideas/shared-grocery-list.yaml', '--model', 'anthropic'],
    says: ['--model anthropic needs an API key', 'Set ANTHROPIC_API_KEY'],
    env: { ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' },
  },
];

describe('bad input exits 2, says what and how to fix it, and writes nothing', () => {
  it.concurrent.for(cases)('$name', async (c, { expect }) => {
    const r = await repo.cli(c.args.map((a) => (a === '<run>' ? runId : a)), c.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    for (const pattern of c.says) {
      if (typeof pattern === 'string') expect(r.stderr).toContain(pattern);
      else expect(r.stderr).toMatch(pattern);
    }
    expect(r.stdout).not.toContain('Started run');
    expect(repo.snapshot()).toEqual(before);
  });

  it('leaves no ideamine/* branch other than the completed run\'s and no new commit', () => {
    expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe('refs/heads/ideamine/shared-grocery-list\nrefs/heads/main');
    expect(repo.snapshot()).toEqual(before);
  });
});

describe('--help', () => {
  it.concurrent.for(['run', 'status', 'verify', 'waive', 'gc'])('ideamine %s --help exits 0 with its usage', async (command, { expect }) => {
    const r = await repo.cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: ideamine ${command}\\b`));
    expect(r.stderr).toBe('');
  });

  it('ideamine --help lists every command; no command at all is bad input', async () => {
    const help = await repo.cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['run', 'status', 'verify', 'waive', 'gc']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect((await repo.cli([])).code).toBe(2);
  });
});
