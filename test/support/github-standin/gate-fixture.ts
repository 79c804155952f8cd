// A failing gate result for gate PR tests (a builder: violations and detail size are the knobs).
import type { GateResult } from '../../../src/core/gate-types.js';

export function failingGate(violations = 2, detail = 'coverage 5 of 8 features'): GateResult {
  return {
    phase: 'prd', attempt: 3, score: 0.61, passThreshold: 0.8, passed: false, notJudged: ['clarity'], failedRequired: ['coverage'],
    metrics: [
      {
        id: 'coverage', kind: 'coverage', description: 'features covered', value: 0.625, operator: '>=', threshold: 1, weight: 2, required: true,
        passed: false, method: 'computed', detail, violations: Array.from({ length: violations }, (_, i) => `feature ${i} | <b>missing</b>`),
      },
      {
        id: 'clarity', kind: 'judged', description: 'clear', value: null, operator: '>=', threshold: 0.7, weight: 1, required: false,
        passed: null, method: 'not-judged', detail: 'no model', violations: [],
      },
    ],
  };
}
