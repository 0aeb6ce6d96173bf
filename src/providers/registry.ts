/**
 * Provider type → adapter. A new provider is one folder plus one line here.
 */
import { createAnthropicAdapter } from './anthropic/index.ts'
import { createGeminiAdapter } from './gemini/index.ts'
import { createOpenAIAdapter } from './openai/index.ts'
import type { ProviderAdapter, ProviderType } from './types.ts'

export type AdapterRegistry = (type: ProviderType) => ProviderAdapter

export function createAdapterRegistry(): AdapterRegistry & { close(): Promise<void> } {
  const adapters: Record<ProviderType, ProviderAdapter> = {
    openai: createOpenAIAdapter('openai'),
    'openai-compatible': createOpenAIAdapter('openai-compatible'),
    anthropic: createAnthropicAdapter(),
    gemini: createGeminiAdapter(),
  }
  const registry = (type: ProviderType) => adapters[type]
  registry.close = async () => {
    await Promise.all(Object.values(adapters).map((a) => a.close?.()))
  }
  return registry
}
