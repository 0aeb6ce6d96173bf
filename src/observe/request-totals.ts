/**
 * What a request used, over all its attempts: tokens as each attempt's event carries them, and the cost
 * priced exactly as the spend table prices each row (spend/pricing.ts), so that a request's figure in the
 * log or a trace is the sum of its rows.
 */
import type { RequestEvent } from '../routing/events.ts'
import { priceUsage } from '../spend/pricing.ts'

export interface RequestTotals {
  promptTokens: number
  completionTokens: number
  /** Integer micro-cents (1e-8 USD). */
  costMicrocents: number
}

export const MICROCENTS_PER_USD = 1e8

export function requestTotals(e: RequestEvent): RequestTotals {
  const t: RequestTotals = { promptTokens: 0, completionTokens: 0, costMicrocents: 0 }
  for (const a of e.attemptEvents) {
    if (a.usage === null) continue
    t.promptTokens += a.usage.promptTokens
    t.completionTokens += a.usage.completionTokens
    t.costMicrocents += priceUsage(a.usage, a.model).costMicrocents
  }
  return t
}
