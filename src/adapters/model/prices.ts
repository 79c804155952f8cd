// Dated Claude price table (USD per million tokens) and per-model request capabilities.
import { badInput } from '../../core/errors.js';
import type { Usage } from '../../ports/model.js';

/**
 * Sources, read on the date below:
 * - https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing": base input, 5m cache writes,
 *   cache hits and refreshes, output) for Opus 4.5-4.8 and 5, Sonnet 4.5/4.6, Haiku 4.5
 *   (Opus 4.1 and older are retired on the Claude API and left out).
 * - https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide (Sonnet 5.5: Sonnet 5 prices, cache
 *   reads $0.10) and https://platform.claude.com/docs/en/models/sonnet-5/overview (Sonnet 5: $2 / $2.50 / $0.20 / $10).
 * - Opus 5.5 ($4 in / $20 out) from the lineup table of https://platform.claude.com/docs/about-claude/models/whats-new-opus-5;
 *   its cache rates ($5 write, $0.20 read) and Haiku 5.5's ($0.10 / $0.125 / $0.01 / $0.50 up to 100k prompt tokens,
 *   five times that above) as transcribed from the pricing page by github.com/kurofune/claudit releases v1.8.2 and
 *   v1.9.2: re-check those two rows against the pricing page when you next update this table.
 * Cache writes are priced at the 5-minute rate: the adapter only asks for `ephemeral` without a ttl.
 */
export const PRICES_AS_OF = '2026-11-24';

export interface Rates {
  readonly input: number;
  readonly output: number;
  readonly cacheWrite: number;
  readonly cacheRead: number;
}

export interface ModelPrice extends Rates {
  /** A higher tier applied to every token of a request whose prompt exceeds the threshold. */
  readonly longPrompt?: Rates & { readonly thresholdTokens: number };
}

/** What a model accepts: newer models reject forced tool choice and sampling parameters with a 400. */
export interface ModelCapabilities {
  readonly forcedToolChoice: boolean;
  readonly temperature: boolean;
}

interface Entry {
  readonly price: ModelPrice;
  readonly caps: ModelCapabilities;
}

const rates = (input: number, cacheWrite: number, cacheRead: number, output: number): Rates => ({ input, output, cacheWrite, cacheRead });
const CLASSIC: ModelCapabilities = { forcedToolChoice: true, temperature: true };
/** Adaptive thinking on by default: temperature rejected (Sonnet 5 overview), forced tool use allowed. */
const ADAPTIVE: ModelCapabilities = { forcedToolChoice: true, temperature: false };
/** Sonnet 5.5 migration guide: sampling parameters and forced tool choice return 400. */
const ALWAYS_THINKING: ModelCapabilities = { forcedToolChoice: false, temperature: false };

const OPUS_45 = rates(5, 6.25, 0.5, 25);
const SONNET_4 = rates(3, 3.75, 0.3, 15);

/** Keys are model ids; a dated snapshot (`<id>-YYYYMMDD`) uses its id's row. */
export const PRICES: Readonly<Record<string, Entry>> = {
  'claude-opus-5-5': { price: rates(4, 5, 0.2, 20), caps: ALWAYS_THINKING },
  'claude-opus-5': { price: OPUS_45, caps: ADAPTIVE },
  'claude-opus-4-8': { price: OPUS_45, caps: ADAPTIVE },
  'claude-opus-4-7': { price: OPUS_45, caps: ADAPTIVE },
  'claude-opus-4-6': { price: OPUS_45, caps: CLASSIC },
  'claude-opus-4-5': { price: OPUS_45, caps: CLASSIC },
  'claude-sonnet-5-5': { price: rates(2, 2.5, 0.1, 10), caps: ALWAYS_THINKING },
  'claude-sonnet-5': { price: rates(2, 2.5, 0.2, 10), caps: ADAPTIVE },
  'claude-sonnet-4-6': { price: SONNET_4, caps: CLASSIC },
  // Deprecated: the SDK lists its end of life as 2026-11-30; kept so runs pinned to it still price.
  'claude-sonnet-4-5': { price: SONNET_4, caps: CLASSIC },
  'claude-haiku-5-5': {
    price: { ...rates(0.1, 0.125, 0.01, 0.5), longPrompt: { ...rates(0.5, 0.625, 0.05, 2.5), thresholdTokens: 100_000 } },
    caps: ALWAYS_THINKING,
  },
  'claude-haiku-4-5': { price: rates(1, 1.25, 0.1, 5), caps: CLASSIC },
};

function entryFor(modelId: string): Entry | undefined {
  const exact = PRICES[modelId];
  if (exact) return exact;
  const dated = /^(.*)-(\d{8})$/.exec(modelId);
  return dated?.[1] ? PRICES[dated[1]] : undefined;
}

/** The price row for a model, or a BAD_INPUT error saying how to add one. */
export function priceFor(modelId: string): Entry {
  const entry = entryFor(modelId);
  if (entry) return entry;
  throw badInput(`no price for model "${modelId}" in the price table (as of ${PRICES_AS_OF})`, [
    'IdeaMine refuses to spend on a model whose cost it cannot count.',
    `Add a row to PRICES in src/adapters/model/prices.ts: '${modelId}': { price: rates(input, cacheWrite, cacheRead, output), caps: CLASSIC },`,
    'with USD per million tokens from https://platform.claude.com/docs/en/about-claude/pricing, and update PRICES_AS_OF.',
    `Known models: ${Object.keys(PRICES).join(', ')}.`,
  ]);
}

/** Rates that apply to one request, given its prompt size in tokens. */
export function ratesFor(price: ModelPrice, promptTokens: number): Rates {
  return price.longPrompt && promptTokens > price.longPrompt.thresholdTokens ? price.longPrompt : price;
}

export function costOf(usage: Usage, price: ModelPrice): number {
  const r = ratesFor(price, usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens);
  const micro =
    usage.inputTokens * r.input + usage.outputTokens * r.output + usage.cacheWriteTokens * r.cacheWrite + usage.cacheReadTokens * r.cacheRead;
  // Rounded to 1e-9 USD so sums of attempts compare exactly in ledgers and tests.
  return Math.round((micro / 1_000_000) * 1e9) / 1e9;
}
