/**
 * Model families: which built-in catalog rows a provider type reads, and which provider type a bare
 * model id (`gpt-4.1-mini`, `claude-sonnet-4-5`) belongs to. Kept here, below the providers, so that the
 * catalog imports nothing above it.
 */

/** The API family a model belongs to; each is also the provider type that serves it natively. */
export type ModelFamily = 'openai' | 'anthropic' | 'gemini'

/** The catalog family each provider type reads: `openai-compatible` servers take the OpenAI entries. */
const FAMILY_OF_TYPE = {
  openai: 'openai',
  'openai-compatible': 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
} as const satisfies Record<string, ModelFamily>

/**
 * The provider types the catalog knows a family for. `ProviderType` (providers/types.ts) must be
 * assignable to it, which the compiler checks where a provider's type is looked up.
 */
export type CatalogProviderType = keyof typeof FAMILY_OF_TYPE

export function familyOf(type: CatalogProviderType): ModelFamily {
  return FAMILY_OF_TYPE[type]
}

const ID_PREFIXES: ReadonlyArray<readonly [RegExp, ModelFamily]> = [
  [/^(gpt-|chatgpt-|o\d(?:-|$)|text-|davinci|babbage)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^(gemini-|gemma-|learnlm-)/, 'gemini'],
]

/** The family a bare model id belongs to by its prefix (gpt-/o-series, claude-, gemini-); null when none. */
export function familyOfModelId(model: string): ModelFamily | null {
  for (const [re, family] of ID_PREFIXES) if (re.test(model)) return family
  return null
}
