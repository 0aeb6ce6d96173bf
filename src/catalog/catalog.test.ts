import { describe, expect, it } from 'vitest'
import { BUILTIN_MODELS } from './builtin-models.ts'
import { CatalogError, canonicalModelId, createCatalog } from './catalog.ts'
import { microcentsPerMillion } from './price.ts'

/** A lookup by provider instance, the family its type reads (`openai-compatible` reads `openai`), and model. */
const at = (provider: string, family: string, model: string) => ({ provider, family, model })

describe('built-in entries', () => {
  const catalog = createCatalog()

  it('has every chat model the providers list, old ones still served included, with the published figures', () => {
    const ids = catalog.entries().map((e) => e.id)
    for (const id of [
      'gpt-3.5-turbo',
      'gpt-4',
      'gpt-4-turbo',
      'gpt-4o',
      'gpt-4o-2024-05-13',
      'gpt-4o-mini',
      'chatgpt-4o-latest',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4.1-nano',
      'o1',
      'o1-pro',
      'o3',
      'o3-mini',
      'o3-pro',
      'o4-mini',
      'codex-mini-latest',
      'gpt-5',
      'gpt-5-mini',
      'gpt-5-nano',
      'gpt-5-pro',
      'gpt-5-codex',
      'gpt-5-chat-latest',
      'gpt-5.1',
      'gpt-5.1-codex-max',
      'gpt-5.2',
      'gpt-5.2-pro',
      'gpt-5.3-codex',
      'gpt-5.4',
      'gpt-5.4-mini',
      'gpt-5.4-pro',
      'gpt-5.5',
      'gpt-5.5-pro',
      'gpt-5.6',
      'gpt-5.6-luna',
      'claude-3-haiku',
      'claude-3-opus',
      'claude-3-5-sonnet',
      'claude-3-5-haiku',
      'claude-3-7-sonnet',
      'claude-sonnet-4',
      'claude-opus-4',
      'claude-opus-4-1',
      'claude-haiku-4-5',
      'claude-sonnet-4-5',
      'claude-opus-4-5',
      'claude-sonnet-4-6',
      'claude-opus-4-6',
      'claude-opus-4-7',
      'claude-opus-4-8',
      'gemini-2.0-flash',
      'gemini-2.0-flash-lite',
      'gemini-2.5-flash',
      'gemini-2.5-flash-lite',
      'gemini-2.5-pro',
      'gemini-3-flash-preview',
      'gemini-3.1-pro-preview',
      'gemini-3.1-flash-lite',
      'gemini-3.5-flash',
    ]) {
      expect(ids).toContain(id)
    }
    const mini = catalog.lookup(at('openai', 'openai', 'gpt-4o-mini'))!
    expect(mini.price).toEqual({ input: 0.15, output: 0.6, cachedInput: 0.075 })
    expect(mini.priceSource).toEqual({ input: '0.15', output: '0.60', cachedInput: '0.075', cacheWrite: undefined })
    expect([mini.context, mini.maxOutput]).toEqual([128_000, 16_384])

    const sonnet = catalog.lookup(at('anthropic', 'anthropic', 'claude-sonnet-4-5'))!
    expect(sonnet.price).toEqual({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 })
    expect(sonnet.family).toBe('anthropic')

    // The models whose calls went unmetered: priced now.
    expect(catalog.lookup(at('openai', 'openai', 'o1-pro'))!.priceSource).toEqual({
      input: '150.00',
      output: '600.00',
      cachedInput: undefined,
      cacheWrite: undefined,
    })
    expect(catalog.lookup(at('openai', 'openai', 'gpt-4'))!.price).toEqual({ input: 30, output: 60 })
    expect(catalog.lookup(at('anthropic', 'anthropic', 'claude-3-opus-20240229'))!.price).toEqual({
      input: 15,
      output: 75,
      cachedInput: 1.5,
      cacheWrite: 18.75,
    })

    // Long-context beta is not assumed: the standard window.
    expect(catalog.lookup(at('anthropic', 'anthropic', 'claude-sonnet-4'))!.context).toBe(200_000)
    const pro = catalog.lookup(at('google', 'gemini', 'gemini-2.5-pro'))!
    expect([pro.price.input, pro.price.output, pro.context, pro.maxOutput]).toEqual([1.25, 10, 1_048_576, 65_535])
  })

  it('lists each id once per family', () => {
    for (const family of ['openai', 'anthropic', 'gemini'] as const) {
      const ids = BUILTIN_MODELS.filter((m) => m.family === family).map((m) => m.id)
      expect(new Set(ids).size).toBe(ids.length)
    }
  })

  it('holds no row the alias rule would give it anyway (same prices and limits as its alias)', () => {
    const byId = new Map(BUILTIN_MODELS.map((m) => [`${m.family}|${m.id}`, m]))
    for (const m of BUILTIN_MODELS) {
      const canonical = canonicalModelId(m.id)
      const alias = canonical === null ? undefined : byId.get(`${m.family}|${canonical}`)
      if (alias) expect({ ...m, id: alias.id }, m.id).not.toEqual(alias)
    }
  })

  it('parses each decimal string into the number routing uses', () => {
    for (const m of BUILTIN_MODELS) {
      const info = catalog.lookup(at('p', m.family === 'openai' ? 'openai' : m.family, m.id))!
      expect(info.price.input).toBe(Number(m.input))
      expect(info.price.output).toBe(Number(m.output))
      expect(Number(microcentsPerMillion(info.priceSource!.input!)) / 1e8).toBe(info.price.input)
    }
  })

  it('gives each model the capabilities its source lists', () => {
    const caps = (family: string, model: string) => catalog.lookup(at(family, family, model))!.capabilities
    for (const m of ['gpt-4o', 'gpt-4.1-mini', 'o3', 'gpt-5', 'claude-sonnet-4-5', 'gemini-2.5-flash']) {
      expect(caps(m.startsWith('claude') ? 'anthropic' : m.startsWith('gemini') ? 'gemini' : 'openai', m)).toEqual({
        tools: true,
        vision: true,
        jsonSchema: true,
      })
    }
    expect(caps('openai', 'gpt-4')).toEqual({ tools: true, vision: false, jsonSchema: false })
    expect(caps('openai', 'o3-mini')).toEqual({ tools: true, vision: false, jsonSchema: true })
    expect(caps('openai', 'gpt-5-chat-latest')).toEqual({ tools: false, vision: true, jsonSchema: true })
    // json_schema through a forced tool call, which the Anthropic adapter does.
    for (const e of catalog.entries())
      if (e.family === 'anthropic') expect(e.capabilities).toEqual({ tools: true, vision: true, jsonSchema: true })
  })

  it("marks OpenAI's reasoning models (o-series, codex-mini, gpt-5 family but its chat models) and nothing else", () => {
    for (const m of BUILTIN_MODELS) {
      const expected = m.family === 'openai' && /^(o\d|gpt-5|codex-)/.test(m.id) && !m.id.endsWith('-chat-latest')
      expect(m.reasoning, m.id).toBe(expected)
      expect(catalog.lookup(at('p', m.family === 'openai' ? 'openai' : m.family, m.id))!.reasoning, m.id).toBe(expected)
    }
    expect(catalog.lookup(at('openai', 'openai', 'o1-pro-2025-03-19'))!.reasoning).toBe(true)
    expect(catalog.lookup(at('openai', 'openai', 'gpt-5.2-chat-latest'))!.reasoning).toBe(false)
    expect(
      createCatalog([{ key: 'local/llama', input: 0, output: 0 }]).lookup(at('local', 'openai', 'llama'))!.reasoning,
    ).toBe(false)
  })

  it('returns frozen entries, so one request cannot change what the next one sees', () => {
    const info = catalog.lookup(at('openai', 'openai', 'gpt-4.1'))!
    expect(Object.isFrozen(info) && Object.isFrozen(info.price) && Object.isFrozen(info.capabilities)).toBe(true)
  })
})

describe('embedding models', () => {
  const catalog = createCatalog()
  const embedding = (family: string, model: string) => {
    const m = catalog.lookup(at(family, family, model))!
    const { kind, price, context, maxOutput } = m
    return `${kind} in ${price.input} out ${price.output} max ${context}/${maxOutput} ${JSON.stringify(m.embedding)}`
  }

  it('prices them per input token, output 0, with their vector length and longest input', () => {
    const vectors = (dimensions: number, shortenable = true) => JSON.stringify({ dimensions, shortenable })
    expect(embedding('openai', 'text-embedding-3-small')).toBe(`embedding in 0.02 out 0 max 8192/0 ${vectors(1536)}`)
    expect(embedding('openai', 'text-embedding-3-large')).toBe(`embedding in 0.13 out 0 max 8192/0 ${vectors(3072)}`)
    // ada-002 takes no `dimensions`.
    expect(embedding('openai', 'text-embedding-ada-002')).toBe(
      `embedding in 0.1 out 0 max 8192/0 ${vectors(1536, false)}`,
    )
    expect(embedding('gemini', 'gemini-embedding-001')).toBe(`embedding in 0.15 out 0 max 2048/0 ${vectors(3072)}`)
    expect(embedding('gemini', 'text-embedding-004')).toBe(`embedding in 0 out 0 max 2048/0 ${vectors(768)}`)
  })

  it('marks every other model, and every model routes.yaml adds, a chat model', () => {
    const kinds = new Map(catalog.entries().map((e) => [e.id, e.kind]))
    for (const m of BUILTIN_MODELS) expect(kinds.get(m.id), m.id).toBe(m.embedding ? 'embedding' : 'chat')
    expect(catalog.lookup(at('openai', 'openai', 'gpt-4o'))!.embedding).toBeUndefined()
    const local = createCatalog([{ key: 'local/my-embedder', input: 0.01, output: 0 }])
    expect(local.lookup(at('local', 'openai', 'my-embedder'))!.kind).toBe('chat')
  })

  it('stays an embedding model under a price override', () => {
    const cheaper = createCatalog([{ key: 'openai/text-embedding-3-small', input: '0.01' }])
    const m = cheaper.lookup(at('openai', 'openai', 'text-embedding-3-small'))!
    expect([m.kind, m.price.input, m.price.output, m.embedding?.dimensions]).toEqual(['embedding', 0.01, 0, 1536])
  })
})

describe('families', () => {
  const catalog = createCatalog()

  it('finds OpenAI entries for an openai-compatible provider', () => {
    expect(catalog.lookup(at('proxy', 'openai', 'gpt-4.1-mini'))?.id).toBe('gpt-4.1-mini')
  })

  it('does not price a model under a provider type of another family', () => {
    expect(catalog.lookup(at('openai', 'openai', 'claude-sonnet-4-5'))).toBeNull()
    expect(catalog.lookup(at('anthropic', 'anthropic', 'gemini-2.5-flash'))).toBeNull()
  })

  it('returns null for an unknown model', () => {
    expect(catalog.lookup(at('openai', 'openai', 'gpt-99'))).toBeNull()
  })
})

describe('aliases', () => {
  const catalog = createCatalog()

  it.each([
    ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic', 'claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['anthropic', 'claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ['anthropic', 'claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['anthropic', 'claude-3-7-sonnet-20250219', 'claude-3-7-sonnet'],
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
    ['openai', 'o4-mini-2025-04-16', 'o4-mini'],
    ['gemini', 'gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['gemini', 'gemini-2.0-flash-lite-001', 'gemini-2.0-flash-lite'],
    ['openai', 'gpt-4o-2024-11-20', 'gpt-4o'],
    ['openai', 'o1-pro-2025-03-19', 'o1-pro'],
    ['openai', 'gpt-5.4-2026-03-05', 'gpt-5.4'],
    ['anthropic', 'claude-3-opus-20240229', 'claude-3-opus'],
    ['anthropic', 'claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['anthropic', 'claude-3-5-sonnet-latest', 'claude-3-5-sonnet'],
    // Ids the rule leaves alone have their own rows.
    ['openai', 'gpt-3.5-turbo-0125', 'gpt-3.5-turbo-0125'],
    ['gemini', 'gemini-2.5-flash-preview-09-2025', 'gemini-2.5-flash-preview-09-2025'],
    ['gemini', 'gemini-flash-latest', 'gemini-flash-latest'],
  ] as const)('%s %s → %s', (type, model, id) => {
    expect(catalog.lookup(at(type, type, model))?.id).toBe(id)
  })

  it('prefers an exact row over the alias rule', () => {
    const first = catalog.lookup(at('openai', 'openai', 'gpt-4o-2024-05-13'))!
    expect(first.id).toBe('gpt-4o-2024-05-13')
    expect(first.price.input).toBe(5)
  })

  it('strips only recognised version suffixes', () => {
    expect(canonicalModelId('gpt-4o')).toBeNull()
    expect(canonicalModelId('gpt-4o-mini')).toBeNull()
    expect(canonicalModelId('gemini-2.0-flash-exp')).toBeNull()
    expect(canonicalModelId('gpt-4o-2024-13')).toBeNull()
    expect(canonicalModelId('-latest')).toBeNull()
    expect(canonicalModelId('gpt-4o-previewer')).toBeNull()
    expect(canonicalModelId('gpt-3.5-turbo-0125')).toBeNull()
    expect(canonicalModelId(`${'x'.repeat(500)}-latest`)).toBeNull()
    expect(catalog.lookup(at('openai', 'openai', 'gpt-4o-mini-tts'))).toBeNull()
  })

  it('does not let a -preview borrow the GA price: it is unpriced unless it has a row of its own', () => {
    for (const id of [
      'gemini-2.5-flash-preview-05-20',
      'gemini-2.5-pro-preview',
      'gemini-2.5-flash-lite-preview-06-17',
      'gpt-4o-search-preview',
      'gemini-2.5-pro-preview-05-06',
    ]) {
      expect(canonicalModelId(id), id).toBeNull()
      expect(catalog.lookup(at('gemini', id.startsWith('gpt') ? 'openai' : 'gemini', id)), id).toBeNull()
    }
    // A preview priced unlike its GA model keeps its own price.
    expect(catalog.lookup(at('google', 'gemini', 'gemini-2.5-flash-preview-09-2025'))!.price.cachedInput).toBe(0.075)
    expect(catalog.lookup(at('google', 'gemini', 'gemini-2.5-flash'))!.price.cachedInput).toBe(0.03)
  })
})

describe('overrides', () => {
  it('adds a new model, priced, with unknown limits and capabilities assumed until said otherwise', () => {
    const catalog = createCatalog([{ key: 'local/llama-3.1-8b', input: 0, output: 0 }])
    const info = catalog.lookup(at('local', 'openai', 'llama-3.1-8b'))!
    expect(info).toMatchObject({ id: 'llama-3.1-8b', family: 'openai', price: { input: 0, output: 0 } })
    expect(info.context).toBe(Number.POSITIVE_INFINITY)
    expect(info.capabilities).toEqual({ tools: true, vision: true, jsonSchema: true })
    // Pinned to its provider: another provider serving the same name is unknown.
    expect(catalog.lookup(at('other', 'openai', 'llama-3.1-8b'))).toBeNull()
  })

  it('overrides a built-in field by field', () => {
    const catalog = createCatalog([{ key: 'gpt-4.1-mini', context: 500_000, tools: false }])
    const info = catalog.lookup(at('openai', 'openai', 'gpt-4.1-mini'))!
    expect(info.context).toBe(500_000)
    expect(info.capabilities).toEqual({ tools: false, vision: true, jsonSchema: true })
    expect(info.price).toEqual({ input: 0.4, output: 1.6, cachedInput: 0.1 })
  })

  it('layers built-in < bare id < provider/model', () => {
    const catalog = createCatalog([
      { key: 'gpt-4.1-mini', input: '0.35', output: 1.5 },
      { key: 'azure/gpt-4.1-mini', input: '0.44' },
    ])
    const azure = catalog.lookup(at('azure', 'openai', 'gpt-4.1-mini'))!
    expect(azure.priceSource).toEqual({ input: '0.44', output: '1.5', cachedInput: '0.10', cacheWrite: undefined })
    expect(catalog.lookup(at('openai', 'openai', 'gpt-4.1-mini'))!.priceSource!.input).toBe('0.35')
  })

  it('applies an override of an entry to its dated aliases, but not to a separately listed snapshot', () => {
    const catalog = createCatalog([
      { key: 'claude-sonnet-4-5', cache_write: '4' },
      { key: 'anthropic/claude-sonnet-4-5', output: '16' },
      { key: 'gpt-4o', input: '2' },
    ])
    const dated = catalog.lookup(at('anthropic', 'anthropic', 'claude-sonnet-4-5-20250929'))!
    expect([dated.price.cacheWrite, dated.price.output]).toEqual([4, 16])
    expect(catalog.lookup(at('openai', 'openai', 'gpt-4o-2024-08-06'))!.price.input).toBe(2)
    expect(catalog.lookup(at('openai', 'openai', 'gpt-4o-2024-05-13'))!.price.input).toBe(5)
  })

  it('lists bare-id overrides in entries()', () => {
    const catalog = createCatalog([
      { key: 'gpt-4o', output: '9' },
      { key: 'mistral-small', input: '0.1', output: '0.3', tools: true },
      { key: 'local/llama', input: 0, output: 0 },
    ])
    const byId = new Map(catalog.entries().map((e) => [e.id, e]))
    expect(byId.get('gpt-4o')!.price.output).toBe(9)
    expect(byId.get('mistral-small')!.capabilities.tools).toBe(true)
    expect(byId.has('llama')).toBe(false)
    expect(catalog.entries()).toHaveLength(BUILTIN_MODELS.length + 1)
  })

  it('a provider/model override may take its prices from a bare-id override', () => {
    const catalog = createCatalog([
      { key: 'llama-3.1-8b', input: '0.05', output: '0.08' },
      { key: 'groq/llama-3.1-8b', context: 131_072 },
    ])
    expect(catalog.lookup(at('groq', 'openai', 'llama-3.1-8b'))).toMatchObject({
      context: 131_072,
      price: { input: 0.05 },
    })
  })

  it.each([
    [[{ key: 'local/llama' }], /"local\/llama": not a built-in model, so "input" and "output" prices/],
    [[{ key: 'llama', input: 1 }], /"llama": not a built-in model/],
    [[{ key: 'gpt-4o', input: '0.0000000001' }], /"gpt-4o": input: .*more than 8 decimal places/],
    [[{ key: 'gpt-4o', output: -1 }], /"gpt-4o": output: .*≥ 0/],
    [[{ key: 'gpt-4o', context: 0 }], /context must be a positive integer/],
    [[{ key: 'gpt-4o', max_output: 1.5 }], /max_output must be a positive integer/],
    [[{ key: 'openai/' }], /expected "provider\/model" or a model id/],
    [[{ key: '' }], /expected "provider\/model"/],
    [
      [
        { key: 'gpt-4o', input: 1 },
        { key: 'gpt-4o', output: 2 },
      ],
      /"gpt-4o" is listed twice/,
    ],
  ] as const)('rejects %j with a precise message', (overrides, message) => {
    expect(() => createCatalog(overrides)).toThrow(CatalogError)
    expect(() => createCatalog(overrides)).toThrow(message)
  })
})

describe('lookup cache', () => {
  it('answers repeated lookups with the same entry', () => {
    const catalog = createCatalog()
    const a = catalog.lookup(at('anthropic', 'anthropic', 'claude-haiku-4-5-20251001'))
    expect(catalog.lookup(at('anthropic', 'anthropic', 'claude-haiku-4-5-20251001'))).toBe(a)
  })

  it('stays correct after evicting (model ids come from clients, so the cache is bounded)', () => {
    const catalog = createCatalog()
    const first = catalog.lookup(at('openai', 'openai', 'gpt-5-2025-08-07'))
    for (let i = 0; i < 3000; i++) expect(catalog.lookup(at('openai', 'openai', `unknown-${i}`))).toBeNull()
    expect(catalog.lookup(at('openai', 'openai', 'gpt-5-2025-08-07'))).toEqual(first)
    expect(catalog.lookup(at('openai', 'openai', 'unknown-1'))).toBeNull()
  })

  it('keeps providers apart', () => {
    const catalog = createCatalog([{ key: 'a/gpt-4o', input: '1' }])
    expect(catalog.lookup(at('a', 'openai', 'gpt-4o'))!.price.input).toBe(1)
    expect(catalog.lookup(at('b', 'openai', 'gpt-4o'))!.price.input).toBe(2.5)
  })
})

describe('lookup cache bound', () => {
  it('keeps a model in use (least recently used out) however many one-off ids are looked up', () => {
    const catalog = createCatalog()
    const flash = catalog.lookup(at('google', 'gemini', 'gemini-2.5-flash'))
    for (let i = 0; i < 5_000; i++) {
      expect(catalog.lookup(at('google', 'gemini', `gemini-2.5-flash-u${i}-x`))).toBeDefined()
      // Same object: served from the cache, not resolved again.
      expect(catalog.lookup(at('google', 'gemini', 'gemini-2.5-flash'))).toBe(flash)
    }
  })
})
