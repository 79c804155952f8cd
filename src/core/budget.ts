// Budgets: reserve an estimate before a call, settle with real usage; pure checks over a snapshot.

export const DEFAULT_RUN_BUDGET_USD = 5;

export interface BudgetSnapshot {
  readonly run: { readonly limitUsd: number; readonly spentUsd: number; readonly limitTokens: number | null; readonly spentTokens: number };
  readonly phase: { readonly limitUsd: number; readonly spentUsd: number; readonly limitTokens: number; readonly spentTokens: number };
  /** Estimates reserved by calls still in flight. */
  readonly reservedUsd: number;
  readonly reservedTokens: number;
}

export type ReservationCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly scope: 'run' | 'phase'; readonly message: string };

const usd = (n: number): string => `$${n.toFixed(4)}`;

/** Whether a call estimated at (usd, tokens) fits; null estimates (unmeasured models) always fit. */
export function checkReservation(b: BudgetSnapshot, estimateUsd: number | null, estimateTokens: number | null): ReservationCheck {
  if (estimateUsd !== null) {
    const runAfter = b.run.spentUsd + b.reservedUsd + estimateUsd;
    if (runAfter > b.run.limitUsd) {
      return { ok: false, scope: 'run', message: `run budget ${usd(b.run.limitUsd)} would be exceeded: spent ${usd(b.run.spentUsd)}, in flight ${usd(b.reservedUsd)}, next call up to ${usd(estimateUsd)}` };
    }
    const phaseAfter = b.phase.spentUsd + b.reservedUsd + estimateUsd;
    if (phaseAfter > b.phase.limitUsd) {
      return { ok: false, scope: 'phase', message: `phase budget ${usd(b.phase.limitUsd)} would be exceeded: spent ${usd(b.phase.spentUsd)}, in flight ${usd(b.reservedUsd)}, next call up to ${usd(estimateUsd)}` };
    }
  }
  if (estimateTokens !== null) {
    if (b.phase.spentTokens + b.reservedTokens + estimateTokens > b.phase.limitTokens) {
      return { ok: false, scope: 'phase', message: `phase token budget ${b.phase.limitTokens} would be exceeded: used ${b.phase.spentTokens}, next call up to ${estimateTokens}` };
    }
    if (b.run.limitTokens !== null && b.run.spentTokens + b.reservedTokens + estimateTokens > b.run.limitTokens) {
      return { ok: false, scope: 'run', message: `run token budget ${b.run.limitTokens} would be exceeded: used ${b.run.spentTokens}, next call up to ${estimateTokens}` };
    }
  }
  return { ok: true };
}

/** Parses "30d", "12h", "90m" into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,5})([dhm])$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return null;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
  return Number(match[1]) * unit;
}
