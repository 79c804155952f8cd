// Scaffold path confinement: a table of safe and unsafe paths, duplicates, directory clashes and limits.
import { describe, expect, it } from 'vitest';
import { confinePath, confineScaffold, SCAFFOLD_LIMITS, utf8Length } from '../src/core/scaffold-paths.js';

describe('confinePath', () => {
  it.each([
    'README.md',
    'src/index.ts',
    'packages/api/src/routes/users.test.ts',
    '.gitignore',
    '.gitattributes',
    '.env.example',
    'docs/github-setup.md',
    'src/.github-like/notes.md',
    'con-tact/console.ts',
    'a/'.repeat(11) + 'b',
    'x'.repeat(SCAFFOLD_LIMITS.maxPathLength),
    'docs/ünïcödé/日本語.md',
  ])('accepts %s', (path) => {
    expect(confinePath(path)).toEqual({ ok: true, path });
  });

  it.each([
    ['', /empty path/],
    ['/etc/passwd', /absolute/],
    ['C:\\Windows\\x', /backslash/],
    ['C:/Windows/x', /drive letter/],
    ['c:x', /drive letter/],
    ['\\\\server\\share\\x', /backslash/],
    ['src\\index.ts', /backslash/],
    ['../outside.txt', /"\.\." segment/],
    ['src/../../x', /"\.\." segment/],
    ['./src/x.ts', /"\." segment/],
    ['src/./x.ts', /"\." segment/],
    ['.git/config', /reserved for git/],
    ['sub/.GIT/hooks/pre-commit', /reserved for git/],
    ['.github/workflows/evil.yml', /reserved for git/],
    ['a/.GitHub/x', /reserved for git/],
    ['.gitmodules', /reserved for git/],
    ['GIT~1/config', /reserved for git/],
    ['.g\u200cit/config', /invisible/],
    ['src/x\u0000.ts', /control/],
    ['src/x\n.ts', /control/],
    ['x'.repeat(SCAFFOLD_LIMITS.maxPathLength + 1), /longer than 200/],
    ['a/'.repeat(12) + 'b', /more than 12 segments/],
    ['src/', /trailing slash/],
    ['src//x.ts', /empty segment/],
    ['CON', /reserved Windows device/],
    ['src/nul.txt', /reserved Windows device/],
    ['lib/Com1.js', /reserved Windows device/],
    ['LPT9', /reserved Windows device/],
    ['aux .md', /reserved Windows device/],
    ['src/file.', /ends in a dot or space/],
    ['src/dir /x', /ends in a dot or space/],
    ['.git.', /ends in a dot or space/],
    ['what?.md', /not allowed/],
    ['a|b', /not allowed/],
  ])('rejects %j', (path, reason) => {
    const result = confinePath(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('confineScaffold', () => {
  const file = (path: string, content = 'x'): { path: string; content: string } => ({ path, content });

  it('accepts good files in order and rejects bad ones with reasons', () => {
    const { accepted, rejected } = confineScaffold([file('src/a.ts'), file('../x'), file('README.md'), file('.github/workflows/x.yml')]);
    expect(accepted.map((f) => f.path)).toEqual(['src/a.ts', 'README.md']);
    expect(rejected.map((r) => r.path)).toEqual(['../x', '.github/workflows/x.yml']);
    expect(rejected[0]?.reason).toMatch(/"\.\." segment/);
    expect(rejected[1]?.reason).toMatch(/reserved for git/);
  });

  it('rejects duplicates case-insensitively; the first one wins', () => {
    const { accepted, rejected } = confineScaffold([file('src/App.ts', 'first'), file('src/app.ts', 'second'), file('SRC/APP.TS')]);
    expect(accepted).toEqual([file('src/App.ts', 'first')]);
    expect(rejected.map((r) => r.path)).toEqual(['src/app.ts', 'SRC/APP.TS']);
    expect(rejected[0]?.reason).toMatch(/duplicate of "src\/App\.ts"/);
  });

  it('rejects a file where another path needs a directory, either way round', () => {
    const one = confineScaffold([file('docs'), file('docs/readme.md')]);
    expect(one.accepted.map((f) => f.path)).toEqual(['docs']);
    expect(one.rejected[0]?.reason).toMatch(/"docs" is a file/);
    const two = confineScaffold([file('Docs/readme.md'), file('docs')]);
    expect(two.accepted.map((f) => f.path)).toEqual(['Docs/readme.md']);
    expect(two.rejected[0]?.reason).toMatch(/needs this path to be a directory/);
  });

  it('enforces the file count and total size limits', () => {
    const many = Array.from({ length: 205 }, (_, i) => file(`f/${i}.txt`));
    const counted = confineScaffold(many);
    expect(counted.accepted).toHaveLength(SCAFFOLD_LIMITS.maxFiles);
    expect(counted.rejected).toHaveLength(5);
    expect(counted.rejected[0]).toEqual({ path: 'f/200.txt', reason: 'more than 200 files' });

    const sized = confineScaffold([file('a', 'é'.repeat(400)), file('b', 'x'.repeat(300)), file('c', 'y'.repeat(200))], { maxFiles: 10, maxTotalBytes: 1000 });
    // 800 bytes (é is two in UTF-8) + 300 would pass 1000; the 200-byte file still fits.
    expect(sized.accepted.map((f) => f.path)).toEqual(['a', 'c']);
    expect(sized.rejected).toEqual([{ path: 'b', reason: 'total size would exceed 1000 bytes' }]);
  });

  it('counts UTF-8 bytes', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
  });
});
