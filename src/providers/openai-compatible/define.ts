/**
 * A provider that speaks OpenAI's chat completions wire, in a few lines: its type, default base URL and
 * quirks (../openai/param-rules.ts). The OpenAI adapter serves it. Without a key the simulator serves it
 * in OpenAI mode, as an OpenAI-compatible server (`/compatible/v1`: any model id, the server's own
 * request fields taken).
 */
import type { BuiltinModel } from '../../catalog/builtin-models.ts'
import { defineProvider, type ProviderDescriptor } from '../descriptor.ts'
import { createOpenAIAdapter } from '../openai/index.ts'
import type { ParamRules, Quirks } from '../openai/param-rules.ts'
import type { ReasoningRules } from '../types.ts'

export interface OpenAICompatibleOptions<Type extends string> {
  readonly type: Type
  /** The default `base_url`, with its version path (`…/v1`) as the server documents it; null: routes.yaml gives it. */
  readonly baseUrl: string | null
  /** Parameters the server takes differently from OpenAI, and what is done about each. */
  readonly params?: ParamRules
  /** Rules for some models only, over `params`: the first entry whose pattern matches the model id wins. */
  readonly models?: ReadonlyArray<{ readonly match: RegExp; readonly params: ParamRules }>
  /** Message fields the server refuses (e.g. `name`). */
  readonly messageFields?: readonly string[]
  /** Whether the server takes `stream_options.include_usage` (default true). */
  readonly streamUsage?: boolean
  /** Bare model ids of the server's own models (ProviderDescriptor.family). */
  readonly family?: RegExp
  readonly catalogFamily?: string
  readonly catalog?: readonly BuiltinModel[]
  readonly reasoningRules?: (model: string, catalogReasoning: boolean) => ReasoningRules | undefined
  /** Default `/compatible/v1`, the simulator's OpenAI-compatible server. */
  readonly simulatorPath?: string
}

export function defineOpenAICompatible<const Type extends string>(
  o: OpenAICompatibleOptions<Type>,
): ProviderDescriptor<Type> {
  const params = o.params ?? {}
  const quirks: Quirks | null =
    o.params || o.models || o.messageFields || o.streamUsage === false
      ? {
          type: o.type,
          streamUsage: o.streamUsage ?? true,
          messageFields: o.messageFields ?? [],
          rules: (model) => {
            const special = o.models?.find((m) => m.match.test(model))
            return special ? { ...params, ...special.params } : params
          },
        }
      : null
  const { type, family, catalogFamily, catalog, reasoningRules } = o
  return defineProvider({
    type,
    api: 'openai',
    defaultBaseUrl: o.baseUrl,
    simulatorPath: o.simulatorPath ?? '/compatible/v1',
    ...(family ? { family } : {}),
    ...(catalogFamily ? { catalogFamily } : {}),
    ...(catalog ? { catalog } : {}),
    ...(reasoningRules ? { reasoningRules } : {}),
    createAdapter: () => createOpenAIAdapter(type, quirks),
  })
}
