import { describe, expect, it } from 'vitest'
import { defineProvider } from './descriptor.ts'
import { createOpenAIAdapter } from './openai/index.ts'
import { BUILTIN_PROVIDERS, createAdapterRegistry, PROVIDERS, providerRegistry } from './registry.ts'

describe('the provider registry', () => {
  it('lists each type once, in order, and looks each up', () => {
    expect(BUILTIN_PROVIDERS.types).toEqual(PROVIDERS.map((d) => d.type))
    expect(BUILTIN_PROVIDERS.types.slice(0, 4)).toEqual(['openai', 'openai-compatible', 'anthropic', 'gemini'])
    for (const d of PROVIDERS) expect(BUILTIN_PROVIDERS.get(d.type)).toBe(d)
    expect(() => BUILTIN_PROVIDERS.get('nope')).toThrow(/no provider of type "nope"/)
  })

  it('default base URLs, and none where routes.yaml must give one', () => {
    expect(BUILTIN_PROVIDERS.get('openai').defaultBaseUrl).toBe('https://api.openai.com/v1')
    expect(BUILTIN_PROVIDERS.get('anthropic').defaultBaseUrl).toBe('https://api.anthropic.com')
    expect(BUILTIN_PROVIDERS.get('gemini').defaultBaseUrl).toBe('https://generativelanguage.googleapis.com')
    expect(BUILTIN_PROVIDERS.get('openai-compatible').defaultBaseUrl).toBeNull()
  })

  it('maps provider types to catalog families: openai-compatible reads OpenAI rows', () => {
    expect(BUILTIN_PROVIDERS.catalogFamily('openai')).toBe('openai')
    expect(BUILTIN_PROVIDERS.catalogFamily('openai-compatible')).toBe('openai')
    expect(BUILTIN_PROVIDERS.catalogFamily('anthropic')).toBe('anthropic')
    expect(BUILTIN_PROVIDERS.catalogFamily('gemini')).toBe('gemini')
  })

  it('finds the type of a bare model id by the families, never openai-compatible', () => {
    expect(BUILTIN_PROVIDERS.typeOfModelId('gpt-4.1-mini')).toBe('openai')
    expect(BUILTIN_PROVIDERS.typeOfModelId('o3')).toBe('openai')
    expect(BUILTIN_PROVIDERS.typeOfModelId('claude-sonnet-4-5')).toBe('anthropic')
    expect(BUILTIN_PROVIDERS.typeOfModelId('gemini-2.5-flash')).toBe('gemini')
    expect(BUILTIN_PROVIDERS.typeOfModelId('mistral-large-latest')).toBe('mistral')
    expect(BUILTIN_PROVIDERS.typeOfModelId('deepseek-reasoner')).toBe('deepseek')
    expect(BUILTIN_PROVIDERS.typeOfModelId('llama-3.1-8b')).toBeNull()
  })

  it('refuses two descriptors of one type, and an empty list', () => {
    const twin = defineProvider({ ...PROVIDERS[0], createAdapter: () => createOpenAIAdapter() })
    expect(() => providerRegistry([PROVIDERS[0], twin])).toThrow(/two provider descriptors of type "openai"/)
    expect(() => providerRegistry([])).toThrow(/no provider descriptors/)
  })

  it('gives each type its own adapter, of that type', async () => {
    const adapters = createAdapterRegistry()
    for (const type of BUILTIN_PROVIDERS.types) expect(adapters(type).type).toBe(type)
    expect(() => adapters('nope')).toThrow(/no adapter for provider type "nope"/)
    await adapters.close()
  })
})
