/**
 * What a provider is, in one object: each provider folder exports one, and registry.ts lists them. The
 * rest of Headroom derives everything from the list — routes.yaml's `type` values and their checks
 * (config/schema.ts), default base URLs and the simulator's path (config/compile.ts), which catalog rows
 * price a model, where a bare model id goes (routing/resolve.ts), and the adapter that serves a target.
 */
import type { BuiltinModel } from '../catalog/builtin-models.ts'
import type { ModelFamily } from '../catalog/types.ts'
import type { ProviderAdapter, ReasoningRules } from './types.ts'

/** The simulator's APIs: a provider that speaks one is served by it without a key, and tested on its fixtures. */
type ProviderApi = 'openai' | 'anthropic' | 'gemini'

export interface ProviderDescriptor<Type extends string = string> {
  /** routes.yaml `type`. */
  readonly type: Type
  /** The wire it speaks, when it is one of the simulator's APIs; absent for an API of its own. */
  readonly api?: ProviderApi
  /** `base_url` when routes.yaml gives none; null when routes.yaml must give one. */
  readonly defaultBaseUrl: string | null
  /**
   * Appended to the simulator's URL when the simulator serves this type (no key, or `simulate: true`);
   * null when the simulator does not speak its API: a provider of this type then needs a key.
   */
  readonly simulatorPath: string | null
  /**
   * Bare model ids this provider serves natively: a request for `claude-…` alone goes to the first provider
   * of type `anthropic`. None for providers that serve others' models (Groq, vLLM, Ollama).
   */
  readonly family?: RegExp
  /** The catalog rows that price this type's models; default: the type's own (`catalog` below). */
  readonly catalogFamily?: ModelFamily
  /** Catalog rows this provider brings (prices, limits, capabilities), of family `catalogFamily ?? type`. */
  readonly catalog?: readonly BuiltinModel[]
  /** Why a model id can never be sent to this type, or null: routes.yaml targets are checked at load. */
  modelProblem?(model: string): string | null
  /**
   * For types that forward OpenAI requests as they are: OpenAI's reasoning-model rules for a model
   * (renamed and dropped parameters), given what the catalog says; undefined for an ordinary chat model.
   */
  reasoningRules?(model: string, catalogReasoning: boolean): ReasoningRules | undefined
  /** The adapter: one per Headroom process, serving every target of this type. */
  createAdapter(): ProviderAdapter
}

/** A descriptor, with its type kept literal (registry.ts derives `ProviderType` from the list). */
export function defineProvider<const Type extends string>(d: ProviderDescriptor<Type>): ProviderDescriptor<Type> {
  return d
}
