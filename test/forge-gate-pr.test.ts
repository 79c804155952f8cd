// The gate PR's names, marker and body: round trips, escaping and the 65,536-character limit.
import { describe, expect, it } from 'vitest';
import {
  capText, GITHUB_BODY_MAX, gateBranch, gateFileMarkdown, gateFilePath, gatePrBody, gateTitle, parseMarker, renderMarker, sameGate,
} from '../src/core/gate-pr.js';
import { failingGate } from './support/github-standin/gate-fixture.js';

const marker = { slug: 'meal-planner', phase: 'prd', runId: 'meal-planner-1a2b3c4d', attempt: 3 };

describe('gate PR naming', () => {
  it('names the branch, file and title from slug, phase and idea', () => {
    expect(gateBranch('meal-planner', 'prd')).toBe('ideamine-gate/meal-planner/prd');
    expect(gateFilePath('meal-planner', 'prd')).toBe('.ideamine/waivers/meal-planner/prd.md');
    expect(gateTitle('prd', 'Meal\n  Planner')).toBe('Gate failed: prd — Meal Planner');
    expect(gateTitle('prd', 'x'.repeat(400))).toHaveLength(256);
  });
});

describe('marker', () => {
  it('round-trips and is found inside a body', () => {
    const body = `hello\n\n${renderMarker(marker)}\n`;
    expect(parseMarker(body)).toEqual(marker);
    expect(sameGate(parseMarker(body), { ...marker, attempt: 9, runId: 'other' })).toBe(true);
    expect(sameGate(parseMarker(body), { ...marker, phase: 'qa' })).toBe(false);
  });

  it('cannot be closed early by "--" in a value', () => {
    const odd = { ...marker, runId: 'a--> <script>' };
    const text = renderMarker(odd);
    expect(text.indexOf('-->')).toBe(text.length - 3);
    expect(parseMarker(text)).toEqual(odd);
  });

  it('rejects absent or malformed markers', () => {
    expect(parseMarker(null)).toBeNull();
    expect(parseMarker('<!-- ideamine:v1 {"slug":"x"} -->')).toBeNull();
    expect(parseMarker('<!-- ideamine:v1 {not json} -->')).toBeNull();
    expect(parseMarker('<!-- ideamine:v2 {"slug":"x","phase":"p","run":"r","attempt":1} -->')).toBeNull();
  });
});

describe('body', () => {
  it('holds the report, escaped, how to answer and the marker', () => {
    const body = gatePrBody({ marker, ideaName: 'Meal Planner', gate: failingGate(), allowSelfWaiver: false, waiverExpiry: '30 days' });
    expect(body).toContain('| coverage | 0.625 | >= 1 |');
    expect(body).toContain('feature 0 \\| \\<b\\>missing\\</b\\>');
    expect(body).toContain('/ideamine waive');
    expect(body).toContain("The idea's own author cannot waive.");
    expect(body).toContain('A waiver expires after 30 days.');
    expect(parseMarker(body)).toEqual(marker);
  });

  it('stays under GitHub\'s limit with the marker intact and points at the file holding the full report', () => {
    const gate = failingGate(3000, 'y'.repeat(200));
    const body = gatePrBody({ marker, ideaName: 'Meal Planner', gate, allowSelfWaiver: true, waiverExpiry: null });
    const file = gateFileMarkdown({ marker, ideaName: 'Meal Planner', gate, allowSelfWaiver: true, waiverExpiry: null });
    expect(file.length).toBeGreaterThan(GITHUB_BODY_MAX);
    expect(body.length).toBeLessThan(GITHUB_BODY_MAX);
    expect(body).toContain('truncated');
    expect(body).toContain('`.ideamine/waivers/meal-planner/prd.md` in this pull request');
    expect(parseMarker(body)).toEqual(marker);
    expect(file).toContain('feature 2999');
  });

  it('capText leaves short text alone and cuts long text at a line break', () => {
    expect(capText('short', 'x')).toBe('short');
    const long = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const capped = capText(long, 'the file', 200);
    expect(capped.length).toBeLessThanOrEqual(200);
    expect(capped).toMatch(/line \d+\n\n… truncated \(\d+ characters\)\. The full text is in the file\.\n$/);
  });
});
