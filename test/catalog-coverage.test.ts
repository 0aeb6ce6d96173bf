/**
 * The simulator lists the models the three providers list; Headroom's catalog must price every one of
 * them, alias and dated snapshot alike, under the right family. A model that resolves to no price would
 * cost $0 in the spend table and, under a budget, be refused: this suite fails first.
 */
import { describe, expect, it } from 'vitest'
import type { ProviderType } from '../src/providers/types.ts'
import { ModelRegistry } from '../src/simulator/models.ts'
import type { Api } from '../src/simulator/types.ts'
import { createCatalog } from '../src/spend/catalog.ts'

const TYPE: Record<Api, ProviderType> = { openai: 'openai', anthropic: 'anthropic', gemini: 'gemini' }

describe('catalog coverage of the simulated providers', () => {
  const registry = new ModelRegistry({})
  const catalog = createCatalog()

  for (const api of ['openai', 'anthropic', 'gemini'] as const) {
    it(`prices every ${api} model id the simulator lists, under the ${api} family`, () => {
      const listed = registry.list(api).flatMap((m) => m.ids)
      expect(listed.length).toBeGreaterThan(10)
      const unpriced = listed.filter((model) => {
        const info = catalog.lookup({ provider: api, type: TYPE[api], model })
        return info === null || info.family !== api || !(info.price.input > 0 && info.price.output > 0)
      })
      expect(unpriced, `no catalog price for ${api}: ${unpriced.join(', ')}`).toEqual([])
    })
  }

  it('agrees with the catalog on which OpenAI models follow the reasoning-model rules', () => {
    const wrong = registry
      .list('openai')
      .flatMap((m) => m.ids.map((id) => ({ id, reasoning: m.reasoning })))
      .filter(({ id, reasoning }) => catalog.lookup({ provider: 'openai', type: 'openai', model: id })?.reasoning !== reasoning)
    expect(wrong.map((w) => w.id)).toEqual([])
  })
})
