/**
 * The providers Headroom knows: a list of descriptors (descriptor.ts). A new provider is one folder
 * plus one line here; routes.yaml's `type`, default base URLs, the simulator's paths, catalog families,
 * bare-model-id resolution and the adapters all follow from the list.
 */

import type { BuiltinModel } from '../catalog/builtin-models.ts'
import type { ModelFamily } from '../catalog/types.ts'
import { anthropic } from './anthropic/index.ts'
import type { ProviderDescriptor } from './descriptor.ts'
import { gemini } from './gemini/index.ts'
import { openai } from './openai/index.ts'
import { deepseek } from './openai-compatible/deepseek.ts'
import { groq } from './openai-compatible/groq.ts'
import { openaiCompatible } from './openai-compatible/index.ts'
import { mistral } from './openai-compatible/mistral.ts'
import { ollama } from './openai-compatible/ollama.ts'
import { vllm } from './openai-compatible/vllm.ts'
import type { ProviderAdapter } from './types.ts'

/** In order: a bare model id goes to the first whose `family` matches. */
export const PROVIDERS = [openai, openaiCompatible, anthropic, gemini, groq, mistral, deepseek, ollama, vllm] as const

/** routes.yaml's provider types. */
export type ProviderType = (typeof PROVIDERS)[number]['type']

/** A list of descriptors, looked up by type. Built once (per list) and shared; never changed. */
export interface ProviderRegistry {
  readonly descriptors: readonly ProviderDescriptor[]
  /** The types, in the list's order. */
  readonly types: readonly [string, ...string[]]
  /** The descriptor of a type; throws for one the list lacks (the config's validation keeps them out). */
  get(type: string): ProviderDescriptor
  has(type: string): boolean
  /** The catalog rows the descriptors bring. */
  readonly catalogRows: readonly BuiltinModel[]
  /** The catalog family a type's models are priced from. */
  catalogFamily(type: string): ModelFamily
  /** The type whose `family` a bare model id matches first, or null. */
  typeOfModelId(model: string): string | null
}

export function providerRegistry(descriptors: readonly ProviderDescriptor[]): ProviderRegistry {
  const byType = new Map<string, ProviderDescriptor>()
  for (const d of descriptors) {
    if (byType.has(d.type)) throw new Error(`two provider descriptors of type "${d.type}"`)
    byType.set(d.type, d)
  }
  const [first, ...rest] = descriptors.map((d) => d.type)
  if (first === undefined) throw new Error('no provider descriptors')
  const get = (type: string): ProviderDescriptor => {
    const d = byType.get(type)
    if (!d) throw new Error(`no provider of type "${type}" (types: ${[...byType.keys()].join(', ')})`)
    return d
  }
  const catalogFamily = (type: string): ModelFamily => get(type).catalogFamily ?? type
  const withFamily = descriptors.filter((d) => d.family !== undefined)
  return Object.freeze({
    descriptors: Object.freeze([...descriptors]),
    types: Object.freeze([first, ...rest]) as readonly [string, ...string[]],
    get,
    has: (type: string) => byType.has(type),
    catalogRows: Object.freeze(
      descriptors.flatMap((d) => (d.catalog ?? []).map((m) => ({ ...m, family: catalogFamily(d.type) }))),
    ),
    catalogFamily,
    typeOfModelId: (model: string) => withFamily.find((d) => d.family!.test(model))?.type ?? null,
  })
}

/** The providers Headroom ships with. */
export const BUILTIN_PROVIDERS: ProviderRegistry = providerRegistry(PROVIDERS)

/** Provider type → its adapter (one per process, serving every target of the type). */
export type AdapterRegistry = (type: string) => ProviderAdapter

export function createAdapterRegistry(
  providers: ProviderRegistry = BUILTIN_PROVIDERS,
): AdapterRegistry & { close(): Promise<void> } {
  const adapters = new Map(providers.descriptors.map((d) => [d.type, d.createAdapter()]))
  const registry = (type: string): ProviderAdapter => {
    const a = adapters.get(type)
    if (!a) throw new Error(`no adapter for provider type "${type}"`)
    return a
  }
  registry.close = async () => {
    await Promise.all([...adapters.values()].map((a) => a.close?.()))
  }
  return registry
}
