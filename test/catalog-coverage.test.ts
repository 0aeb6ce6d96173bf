/**
 * The simulator lists the models the three providers list; Headroom's catalog must price every one of
 * them, alias and dated snapshot alike, under the right family. A model that resolves to no price would
 * cost $0 in the spend table and, under a budget, be refused: this suite fails first. Chat models and
 * embedding models are listed apart (`list(api)` is the chat models), and each must be the catalog's
 * model of the same kind, so that chat routing never takes an embedding model for a chat model.
 */
import { describe, expect, it } from 'vitest'
import { createCatalog } from '../src/catalog/catalog.ts'
import { reasoningRules } from '../src/providers/openai/reasoning-models.ts'
import { BUILTIN_PROVIDERS } from '../src/providers/registry.ts'
import { ModelRegistry } from '../src/simulator/models.ts'

describe('catalog coverage of the simulated providers', () => {
  const registry = new ModelRegistry({})
  const catalog = createCatalog()

  for (const api of ['openai', 'anthropic', 'gemini'] as const) {
    it(`prices every ${api} model id the simulator lists, under the ${api} family`, () => {
      const listed = registry.list(api).flatMap((m) => m.ids)
      expect(listed.length).toBeGreaterThan(10)
      const unpriced = listed.filter((model) => {
        const info = catalog.lookup({ provider: api, family: BUILTIN_PROVIDERS.catalogFamily(api), model })
        return info === null || info.family !== api || !(info.price.input > 0 && info.price.output > 0)
      })
      expect(unpriced, `no catalog price for ${api}: ${unpriced.join(', ')}`).toEqual([])
    })
  }

  // Embedding models write no tokens: input priced, output 0. Google never charged for text-embedding-004.
  const FREE_EMBEDDING = new Set(['text-embedding-004'])

  for (const api of ['openai', 'gemini'] as const) {
    it(`prices every ${api} embedding model the simulator lists as an embedding model, output at 0`, () => {
      const listed = registry.list(api, 'embedding')
      expect(listed.length).toBeGreaterThan(0)
      const wrong = listed.flatMap((m) => {
        const info = catalog.lookup({ provider: api, family: BUILTIN_PROVIDERS.catalogFamily(api), model: m.id })
        const priced = info !== null && (info.price.input > 0 || FREE_EMBEDDING.has(m.id)) && info.price.output === 0
        const same = info?.kind === 'embedding' && info.family === api && info.context === m.embedding?.maxInputTokens
        const vectors = info?.embedding?.dimensions === m.embedding?.dimensions
        return priced && same && vectors && info.embedding?.shortenable === m.embedding?.shortenable ? [] : [m.id]
      })
      expect(wrong, `not priced as the simulator's embedding model: ${wrong.join(', ')}`).toEqual([])
    })
  }

  it('knows every chat model the simulator lists as a chat model', () => {
    const wrong = (['openai', 'anthropic', 'gemini'] as const).flatMap((api) =>
      registry
        .list(api)
        .flatMap((m) => m.ids)
        .filter(
          (model) =>
            catalog.lookup({ provider: api, family: BUILTIN_PROVIDERS.catalogFamily(api), model })?.kind !== 'chat',
        ),
    )
    expect(wrong).toEqual([])
  })

  it('agrees with the catalog on which OpenAI models follow the reasoning-model rules', () => {
    const wrong = registry
      .list('openai')
      .flatMap((m) => m.ids.map((id) => ({ id, reasoning: m.reasoning })))
      .filter(
        ({ id, reasoning }) =>
          catalog.lookup({ provider: 'openai', family: 'openai', model: id })?.reasoning !== reasoning,
      )
    expect(wrong.map((w) => w.id)).toEqual([])
  })

  // The id rule decides for models the catalog doesn't know: on every model it does know, it must not
  // contradict it (codex-mini-latest, named unlike the rest, is the catalog's alone to mark).
  it('the id rule for reasoning models agrees with the catalog on every OpenAI model it lists', () => {
    const wrong = createCatalog()
      .entries()
      .filter((m) => m.family === 'openai' && m.id !== 'codex-mini-latest')
      .filter((m) => (reasoningRules(m.id, false) !== undefined) !== m.reasoning)
    expect(wrong.map((m) => m.id)).toEqual([])
  })
})
