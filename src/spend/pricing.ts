/**
 * What an attempt cost, exactly. Prices are decimal strings (USD per 1M tokens) turned into integer
 * micro-cents (1e-8 USD) per 1M tokens; each component is tokens × that rate in BigInt, the components
 * are summed, and the sum is divided by 1M once, rounding half up. The one rounding step bounds the
 * error of a row at half a micro-cent ($0.000000005), where per-component rounding would add up to
 * four of them, and float arithmetic would drift with every row summed.
 */

import { microcentsPerMillion, priceToDecimal } from '../catalog/price.ts'
import type { ModelInfo } from '../catalog/types.ts'
import type { ProviderUsage } from '../providers/types.ts'

export interface PricedUsage {
  /** Integer micro-cents (1e-8 USD). */
  costMicrocents: number
  /** The catalog entry that priced it; null when the model is unknown (cost 0). */
  priceEntry: string | null
}

/** Micro-cents per 1M tokens for each kind of token, fallbacks applied. */
interface Rates {
  input: bigint
  cachedInput: bigint
  cacheWrite: bigint
  output: bigint
}

const MILLION = 1_000_000n
const HALF_MILLION = 500_000n

// ModelInfo objects are frozen and shared by the catalog's lookup cache, so rates are parsed once per
// entry rather than once per attempt.
const ratesCache = new WeakMap<ModelInfo, Rates>()

export function priceUsage(usage: ProviderUsage, model: ModelInfo | null): PricedUsage {
  if (model === null) return { costMicrocents: 0, priceEntry: null }
  const rates = ratesOf(model)

  const prompt = tokens(usage.promptTokens)
  const cached = tokens(usage.cachedTokens)
  const cacheWrite = tokens(usage.cacheWriteTokens)
  // promptTokens includes cached and cache-written tokens (OpenAI's definition, which the adapters
  // normalise to). A provider can still report more cached than prompt tokens in odd cases (usage
  // assembled from several stream events, or a provider bug); those tokens are billed at the
  // cache rates below, so the remaining uncached part is clamped at zero instead of going negative
  // and subtracting money from the row.
  const uncached = prompt - cached - cacheWrite
  // Reasoning tokens are part of completionTokens and billed at the output rate; they are not added again.
  const completion = tokens(usage.completionTokens)

  const total =
    (uncached > 0n ? uncached : 0n) * rates.input +
    cached * rates.cachedInput +
    cacheWrite * rates.cacheWrite +
    completion * rates.output
  // total ≥ 0, so adding half the divisor before BigInt's truncating division rounds half up.
  return { costMicrocents: Number((total + HALF_MILLION) / MILLION), priceEntry: model.id }
}

function ratesOf(model: ModelInfo): Rates {
  const hit = ratesCache.get(model)
  if (hit) return hit
  const src = model.priceSource
  // Entries built by the catalog always carry their decimal strings; a hand-built ModelInfo may not,
  // and its numbers' shortest round-trip form is what was written (priceToDecimal).
  const rate = (decimal: string | undefined, price: number | undefined): bigint | undefined => {
    if (decimal !== undefined) return microcentsPerMillion(decimal)
    if (price !== undefined) return microcentsPerMillion(priceToDecimal(price))
    return undefined
  }
  const input = rate(src?.input, model.price.input)!
  const rates: Rates = {
    input,
    output: rate(src?.output, model.price.output)!,
    // No discount listed → the provider bills these tokens as plain input.
    cachedInput: rate(src?.cachedInput, model.price.cachedInput) ?? input,
    cacheWrite: rate(src?.cacheWrite, model.price.cacheWrite) ?? input,
  }
  ratesCache.set(model, rates)
  return rates
}

/**
 * Token counts come from the adapters' parsed usage and are whole and ≥ 0; should one not be (a
 * provider sending a float or garbage), it is truncated / counted as 0 so that pricing, which runs on
 * the request path, never throws.
 */
function tokens(n: number): bigint {
  return Number.isFinite(n) && n > 0 ? BigInt(Math.floor(n)) : 0n
}
