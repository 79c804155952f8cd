// Secrets scanner and scrubber: known token formats, credential assignments, placeholders, redaction.
import { describe, expect, it } from 'vitest';
import { findSecrets, findSecretSpans, isPlaceholder, shannonEntropy } from '../src/core/secrets.js';
import { REDACTED, scrub, scrubJson } from '../src/core/scrub.js';

// Test values are assembled from pieces and a deterministic generator, so this file itself
// holds nothing a scanner would call a secret, yet every value is valid for its pattern.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const gen = (n: number, seed = 3, alphabet = ALNUM): string =>
  Array.from({ length: n }, (_, i) => alphabet[(i * 7 + seed) % alphabet.length] ?? 'x').join('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const fakes = {
  aws: 'AK' + 'IA' + gen(16, 5, UPPER),
  github: 'gh' + 'p_' + gen(36),
  githubPat: 'github' + '_pat_' + gen(22) + '_' + gen(59, 11),
  anthropic: 'sk-' + 'ant-' + 'api03-' + gen(48),
  openai: 'sk-' + 'proj-' + gen(40, 9),
  slack: 'xo' + 'xb-' + '2741386' + '-' + gen(24, 4),
  google: 'AI' + 'za' + gen(35, 2),
  stripe: 'sk' + '_live_' + gen(24, 6),
  jwt: 'ey' + 'JhbGciOiJIUzI1NiJ9' + '.' + 'ey' + 'JzdWIiOiIxMjM0In0' + '.' + gen(43, 8),
  password: 'Qm7v' + 'X2pL9tR4' + 'wZ8k',
};
const pem = '-----BEGIN ' + 'RSA PRIVATE KEY-----\n' + gen(64) + '\n' + gen(64, 17) + '\n-----END ' + 'RSA PRIVATE KEY-----';

describe('findSecrets', () => {
  it.each([
    ['aws-access-key-id', `aws_region = "eu-west-1"\nkey_id = ${fakes.aws}`],
    ['github-token', `GH=${fakes.github}`],
    ['github-token', `const t = "${fakes.githubPat}";`],
    ['anthropic-api-key', `client = Anthropic(key="${fakes.anthropic}")`],
    ['openai-api-key', `OPENAI="${fakes.openai}"`],
    ['slack-token', `hook: ${fakes.slack}`],
    ['google-api-key', `maps("${fakes.google}")`],
    ['stripe-secret-key', `stripe(${JSON.stringify(fakes.stripe)})`],
    ['jwt', `Authorization: Bearer ${fakes.jwt}`],
    ['private-key', `key = """\n${pem}\n"""`],
    ['credential-assignment', `db_password = "${fakes.password}"`],
    ['credential-assignment', `CLIENT_SECRET=${fakes.password}`],
    ['credential-assignment', `{"apiKey": "${fakes.password}"}`],
    ['credential-assignment', `auth:\n  client_secret: '${fakes.password}'`],
  ])('finds %s', (kind, content) => {
    const findings = findSecrets([{ path: 'src/app.ts', content }]);
    expect(findings.map((f) => f.kind)).toEqual([kind]);
    expect(findings[0]?.path).toBe('src/app.ts');
    // The finding says where and what, never the secret.
    expect(Object.keys(findings[0] ?? {}).sort()).toEqual(['kind', 'line', 'path']);
  });

  it('reports the 1-based line of each finding, one per secret even when two patterns agree', () => {
    const content = ['# config', `OPENAI_API_KEY="${fakes.openai}"`, '', `token: ${fakes.github}`, pem].join('\n');
    expect(findSecrets([{ path: '.env', content }])).toEqual([
      { path: '.env', line: 2, kind: 'openai-api-key' },
      { path: '.env', line: 4, kind: 'github-token' },
      { path: '.env', line: 5, kind: 'private-key' },
    ]);
  });

  it.each([
    ['.env.example placeholders', ['API_KEY=your-api-key-here', 'SECRET_KEY=', 'DB_PASSWORD=<password>', 'TOKEN=${TOKEN}', 'PASSWORD=changeme', 'GITHUB_TOKEN=xxxxxxxxxxxxxxxx', 'AUTH_TOKEN={{ secrets.TOKEN }}'].join('\n')],
    ['references in code', ['const password = process.env.DB_PASSWORD;', 'token: req.headers.authorization,', 'api_key = get_key()', 'password: string;', 'const secret = config.secret', 'maxTokens: 4096']
      .join('\n')],
    ['words that merely start with a key word', 'const tokenizer = "bert-base-uncased-v2";\nsecretary: "Jane Doe 2024"'],
    ['low-entropy or documented values', ['aws_key = AK' + 'IAIOSFODNN7EXAMPLE', 'OPENAI=sk-' + 'x'.repeat(30), 'password = "aaaaaaaaaaaa"', 'password = "password"'].join('\n')],
    ['prose and ordinary identifiers', 'Use the task-description-for-the-users field; skip-navigation-link-for-readers too.'],
  ])('stays quiet on %s', (_label, content) => {
    expect(findSecrets([{ path: 'x', content }])).toEqual([]);
  });

  it('scans every file and keeps their paths', () => {
    const findings = findSecrets([
      { path: 'a.ts', content: 'nothing here' },
      { path: 'b/c.py', content: `\n\nKEY = "${fakes.aws}"` },
    ]);
    expect(findings).toEqual([{ path: 'b/c.py', line: 3, kind: 'aws-access-key-id' }]);
  });

  it('keeps an unterminated private key block detectable', () => {
    expect(findSecrets([{ path: 'k', content: '-----BEGIN ' + 'OPENSSH PRIVATE KEY-----\n' + gen(70) }])).toEqual([{ path: 'k', line: 1, kind: 'private-key' }]);
  });
});

describe('helpers', () => {
  it('measures entropy in bits per character', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });

  it('recognises placeholders', () => {
    for (const p of ['changeme', '<your-key>', '${API_KEY}', 'xxxx-xxxx', 'example-key-1', '', '   ']) expect(isPlaceholder(p), p).toBe(true);
    expect(isPlaceholder(fakes.password)).toBe(false);
  });
});

describe('scrub', () => {
  it('replaces given secret values everywhere, longest first', () => {
    const text = 'url=https://user:hunter2-long-one@host and again hunter2-long-one; part hunter2-long';
    expect(scrub(text, ['hunter2-long', 'hunter2-long-one'])).toBe(
      `url=https://user:${REDACTED}@host and again ${REDACTED}; part ${REDACTED}`,
    );
  });

  it('also redacts the JSON-escaped form of a known value', () => {
    const secret = 'pa"ss\\word-123';
    expect(scrub(JSON.stringify({ note: `uses ${secret}` }), [secret])).toBe(`{"note":"uses ${REDACTED}"}`);
  });

  it('leaves values shorter than 8 characters alone (they would redact ordinary words)', () => {
    expect(scrub('admin logged in', ['admin'])).toBe('admin logged in');
  });

  it('redacts pattern-detected tokens with no list given, and is idempotent', () => {
    const text = `call with ${fakes.github} then ${fakes.anthropic}\npassword = "${fakes.password}"\n${pem}\nend`;
    const once = scrub(text, []);
    expect(once).toBe(`call with ${REDACTED} then ${REDACTED}\npassword = "${REDACTED}"\n${REDACTED}\nend`);
    expect(scrub(once, [])).toBe(once);
    expect(findSecretSpans(once)).toEqual([]);
  });

  it('scrubs JSON strings, keys and key-value credential pairs, keeping structure and other values', () => {
    const value = {
      model: 'claude',
      nested: [{ password: fakes.password, note: `token ${fakes.stripe}` }, 42, true, null],
      [`k-${fakes.aws}`]: 'x',
      known: 'my-known-secret-value!',
    };
    expect(scrubJson(value, ['my-known-secret-value!'])).toEqual({
      model: 'claude',
      nested: [{ password: REDACTED, note: `token ${REDACTED}` }, 42, true, null],
      [`k-${REDACTED}`]: 'x',
      known: REDACTED,
    });
  });
});
