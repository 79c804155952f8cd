// docs/github-semantics.md names the tests that model each GitHub behaviour: every one must exist, so the page cannot rot.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './support/cli.js';

const DOC = join(PACKAGE_ROOT, 'docs', 'github-semantics.md');
const collapse = (text: string): string => text.replace(/\s+/g, ' ');

/** [test file, test name] pairs, in the page's `test/<file>` › “<name>” notation (a name belongs to the file before it). */
function references(markdown: string): [string, string][] {
  const pairs: [string, string][] = [];
  let file: string | null = null;
  for (const m of collapse(markdown).matchAll(/`(test\/[\w.-]+\.ts)`|› “([^”]+)”/g)) {
    if (m[1] !== undefined) file = m[1];
    else if (m[2] !== undefined && m[2] !== '<test name>') {
      if (file === null) throw new Error(`test name "${m[2]}" has no test file before it`);
      pairs.push([file, m[2]]);
    }
  }
  return pairs;
}

describe('docs/github-semantics.md', () => {
  const markdown = readFileSync(DOC, 'utf8');
  const pairs = references(markdown);

  it('names the modelling tests of many behaviours, and each named test exists in its file', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(30);
    const missing = pairs.filter(([file, name]) => {
      const path = join(PACKAGE_ROOT, file);
      if (!existsSync(path)) return true;
      const source = collapse(readFileSync(path, 'utf8').replace(/\\(['"`])/g, '$1'));
      return !source.includes(name);
    });
    expect(missing.map(([file, name]) => `${file} › ${name}`)).toEqual([]);
  });

  it('links every behaviour to documentation and says "not modelled" where no test models it', () => {
    const sections = markdown.split(/^### /m).slice(1);
    expect(sections.length).toBeGreaterThanOrEqual(15);
    for (const section of sections) {
      const title = section.split('\n')[0] ?? '';
      expect(section, title).toMatch(/\]\(https:\/\/(docs\.github\.com|github\.com|github\.blog)\//);
      expect(section, title).toMatch(/\*\*Modelled by:\*\*/);
      expect(section, title).toMatch(/› “|\*\*not modelled\*\*/);
    }
  });
});
