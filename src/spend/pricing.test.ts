import { describe, expect, it } from 'vitest'
import { createCatalog } from '../catalog/catalog.ts'
import type { ModelInfo } from '../catalog/types.ts'
import type { ProviderUsage } from '../providers/types.ts'
import { seededRandom } from './__fixtures__/spend-rows.ts'
import { priceUsage } from './pricing.ts'

const catalog = createCatalog()
const openai = (model: string) => catalog.lookup({ provider: 'openai', family: 'openai', model })!
const anthropic = (model: string) => catalog.lookup({ provider: 'anthropic', family: 'anthropic', model })!
const gemini = (model: string) => catalog.lookup({ provider: 'google', family: 'gemini', model })!

function usage(u: Partial<ProviderUsage>): ProviderUsage {
  return { promptTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 0, reasoningTokens: 0, ...u }
}

function model(priceSource: ModelInfo['priceSource'], id = 'custom'): ModelInfo {
  return {
    id,
    family: 'openai',
    kind: 'chat',
    price: { input: Number(priceSource!.input), output: Number(priceSource!.output) },
    context: 1_000_000,
    maxOutput: 100_000,
    capabilities: { tools: true, vision: true, jsonSchema: true },
    reasoning: false,
    priceSource,
  }
}

describe('priceUsage', () => {
  it('OpenAI: cached prompt tokens at the cached rate (gpt-4.1-mini: $0.40 / $0.10 cached / $1.60 out)', () => {
    // 6,000 uncached × $0.40/1M = $0.0024; 4,000 cached × $0.10/1M = $0.0004; 1,234 out × $1.60/1M = $0.0019744
    // = $0.0047744 = 477,440 micro-cents
    const r = priceUsage(
      usage({ promptTokens: 10_000, cachedTokens: 4_000, completionTokens: 1_234 }),
      openai('gpt-4.1-mini'),
    )
    expect(r).toEqual({ costMicrocents: 477_440, priceEntry: 'gpt-4.1-mini' })
  })

  it('Anthropic: cache reads and cache writes priced separately (claude-sonnet-4-5: $3 / $0.30 read / $3.75 write / $15 out)', () => {
    // uncached 1,000 × $3 = $0.003; read 8,000 × $0.30 = $0.0024; write 3,000 × $3.75 = $0.01125; out 500 × $15 =
    // $0.0075 (per 1M)
    // = $0.02415 = 2,415,000 micro-cents
    const u = usage({ promptTokens: 12_000, cachedTokens: 8_000, cacheWriteTokens: 3_000, completionTokens: 500 })
    expect(priceUsage(u, anthropic('claude-sonnet-4-5'))).toEqual({
      costMicrocents: 2_415_000,
      priceEntry: 'claude-sonnet-4-5',
    })
    // A dated id resolves to the same entry, which the row names.
    expect(priceUsage(u, anthropic('claude-sonnet-4-5-20250929')).priceEntry).toBe('claude-sonnet-4-5')
  })

  it('Gemini: reasoning tokens are inside completion tokens and billed once, at the output rate', () => {
    // gemini-2.5-flash: $0.30 in, $2.50 out. 2,000 × 0.30 = $0.0006; 1,500 × 2.50 = $0.00375 → $0.00435
    const withThoughts = priceUsage(
      usage({ promptTokens: 2_000, completionTokens: 1_500, reasoningTokens: 1_200 }),
      gemini('gemini-2.5-flash'),
    )
    expect(withThoughts).toEqual({ costMicrocents: 435_000, priceEntry: 'gemini-2.5-flash' })
    const noThoughts = priceUsage(usage({ promptTokens: 2_000, completionTokens: 1_500 }), gemini('gemini-2.5-flash'))
    expect(noThoughts.costMicrocents).toBe(withThoughts.costMicrocents)
  })

  it('rounds once, half up, after summing the components', () => {
    // gpt-4.1-nano cached input $0.025/1M = 2.5 micro-cents per token
    expect(priceUsage(usage({ promptTokens: 1, cachedTokens: 1 }), openai('gpt-4.1-nano')).costMicrocents).toBe(3) // 2.5 → 3
    expect(priceUsage(usage({ promptTokens: 3, cachedTokens: 3 }), openai('gpt-4.1-nano')).costMicrocents).toBe(8) // 7.5 → 8
    // 1.5 + 2.5 = 4 exactly; rounding each component first would give 2 + 3 = 5.
    const m = model({ input: '0.015', output: '0.025', cachedInput: undefined, cacheWrite: undefined })
    expect(priceUsage(usage({ promptTokens: 1, completionTokens: 1 }), m).costMicrocents).toBe(4)
    // 0.4999… rounds down: 1 token at $0.0049 per 1M = 0.49 micro-cents
    expect(
      priceUsage(
        usage({ promptTokens: 1 }),
        model({ input: '0.0049', output: '0', cachedInput: undefined, cacheWrite: undefined }),
      ).costMicrocents,
    ).toBe(0)
  })

  it('falls back to the input price for cache reads and writes the model does not discount', () => {
    // gpt-4o-2024-05-13 has no cached price: 1,000 cached at $5 = 500,000; 10 cache-written at $5 = 5,000
    const r = priceUsage(
      usage({ promptTokens: 1_010, cachedTokens: 1_000, cacheWriteTokens: 10 }),
      openai('gpt-4o-2024-05-13'),
    )
    expect(r.costMicrocents).toBe(505_000)
  })

  it('clamps the uncached part at zero when a provider reports more cached than prompt tokens', () => {
    // gpt-4.1-mini: 150 cached × 10 micro-cents; no negative uncached input subtracting money
    expect(priceUsage(usage({ promptTokens: 100, cachedTokens: 150 }), openai('gpt-4.1-mini')).costMicrocents).toBe(
      1_500,
    )
  })

  it('prices an unknown model at 0 with no price entry', () => {
    expect(priceUsage(usage({ promptTokens: 1_000, completionTokens: 1_000 }), null)).toEqual({
      costMicrocents: 0,
      priceEntry: null,
    })
  })

  it('uses the exact decimal even for a ModelInfo built without priceSource', () => {
    const m: ModelInfo = {
      ...model({ input: '0.075', output: '0.3', cachedInput: undefined, cacheWrite: undefined }),
      priceSource: undefined,
    }
    // 0.075 is not exact in binary; 1,000,000 tokens must still cost exactly $0.075
    expect(priceUsage(usage({ promptTokens: 1_000_000 }), m).costMicrocents).toBe(7_500_000)
  })

  it('never throws on odd token counts from a provider', () => {
    const r = priceUsage(
      usage({ promptTokens: Number.NaN, cachedTokens: -5, completionTokens: 10.7 }),
      openai('gpt-4.1-mini'),
    )
    expect(r.costMicrocents).toBe(1_600) // 10 output tokens × 160
  })

  it('agrees with an independent rational reference on random prices and usage', () => {
    const random = seededRandom(20261128)
    const int = (max: number) => Math.floor(random() * (max + 1))
    // A decimal with up to 8 places, e.g. "12.30405", as routes.yaml might give it.
    const decimal = () => {
      const places = int(8)
      const whole = String(int(80))
      return places === 0 ? whole : `${whole}.${String(int(10 ** places - 1)).padStart(places, '0')}`
    }
    // USD value of a decimal string as a fraction num / 10^places: no code shared with catalog/price.ts.
    const fraction = (s: string) => {
      const [w, f = ''] = s.split('.')
      return { num: BigInt(w! + f), den: 10n ** BigInt(f.length) }
    }
    for (let i = 0; i < 2_000; i++) {
      const src = {
        input: decimal(),
        output: decimal(),
        cachedInput: random() < 0.5 ? decimal() : undefined,
        cacheWrite: random() < 0.3 ? decimal() : undefined,
      }
      const u = usage({ promptTokens: int(2_000_000), completionTokens: int(200_000) })
      u.cachedTokens = int(u.promptTokens)
      u.cacheWriteTokens = int(u.promptTokens - u.cachedTokens)
      u.reasoningTokens = int(u.completionTokens)

      // Exact cost in micro-cents: tokens × (num/den USD per 1M) × 1e8 micro-cents/USD ÷ 1e6, as one
      // fraction N / D. D = 10^8 (largest price denominator) × 1e6 is a common denominator of every term.
      const D = 10n ** 8n * 1_000_000n
      let N = 0n
      const add = (tokens: number, price: string) => {
        const { num, den } = fraction(price)
        N += BigInt(tokens) * num * 10n ** 8n * (D / (den * 1_000_000n))
      }
      add(u.promptTokens - u.cachedTokens - u.cacheWriteTokens, src.input)
      add(u.cachedTokens, src.cachedInput ?? src.input)
      add(u.cacheWriteTokens, src.cacheWrite ?? src.input)
      add(u.completionTokens, src.output)

      const got = BigInt(priceUsage(u, model(src)).costMicrocents)
      // Half up: got − 1/2 ≤ N/D < got + 1/2, i.e. −D < 2(got·D − N) ≤ D.
      const twice = 2n * (got * D - N)
      expect(twice > -D && twice <= D, `case ${i}: ${JSON.stringify({ src, u })} → ${got}, exact ${N}/${D}`).toBe(true)
    }
  })
})
