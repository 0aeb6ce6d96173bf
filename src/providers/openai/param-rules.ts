/**
 * How a server that speaks OpenAI's wire differs from OpenAI, parameter by parameter: a table per
 * provider (../openai-compatible/), applied to each request on its way out. Nothing is dropped silently
 * (STYLE rule 6): a parameter not sent is named in `x-headroom-warning`, unless its value changes nothing;
 * a value that would change the answer and cannot be sent is a 400 naming the parameter and the provider,
 * of kind `unsupported`, so that the route passes the request on to a target that may take it.
 */
import { unsupportedHere } from '../provider-errors.ts'

export type ParamRule =
  /** Not sent. Named in a warning unless `neutral(value)`: the value the server assumes anyway. */
  | { readonly kind: 'drop'; readonly neutral?: (v: unknown) => boolean }
  /** Sent under the server's own name for the same thing (Mistral's `random_seed` for `seed`). */
  | { readonly kind: 'rename'; readonly to: string }
  /** Sent only when `allowed(value)`; any other value is a 400 naming the parameter (`why` says what it takes). */
  | { readonly kind: 'refuse'; readonly allowed: (v: unknown) => boolean; readonly why: string }

/** Request parameter → its rule. Parameters not listed are sent as they are. */
export type ParamRules = Readonly<Record<string, ParamRule>>

export const drop = (neutral?: (v: unknown) => boolean): ParamRule =>
  neutral ? { kind: 'drop', neutral } : { kind: 'drop' }
export const rename = (to: string): ParamRule => ({ kind: 'rename', to })
export const refuse = (allowed: (v: unknown) => boolean, why: string): ParamRule => ({ kind: 'refuse', allowed, why })

/** `logit_bias: {}`, which biases nothing. */
export const isEmptyObject = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.keys(v).length === 0

/** What one provider type does differently; `rules(model)` is asked once per target. */
export interface Quirks {
  /** The provider type, as warnings and errors name it. */
  readonly type: string
  /** Whether the server takes `stream_options.include_usage`; when not, it is not sent (nor the client's). */
  readonly streamUsage: boolean
  /** Message fields the server refuses (`name`): not sent, with a warning when one is set. */
  readonly messageFields: readonly string[]
  rules(model: string): ParamRules
}

/**
 * Applies `rules` to a body being built (a shallow copy of the client's request: its messages are the
 * client's, never changed in place, since a failover sends them again elsewhere).
 */
export function applyQuirks(
  body: Record<string, unknown>,
  q: Quirks,
  rules: ParamRules,
  provider: string,
  warnings: string[],
): void {
  for (const param in rules) {
    const v = body[param]
    if (v === undefined) continue
    const rule = rules[param]!
    switch (rule.kind) {
      case 'drop':
        delete body[param]
        if (v !== null && !rule.neutral?.(v)) warnings.push(`${param} is not supported by ${q.type} and was not sent`)
        break
      case 'rename':
        delete body[param]
        if (v !== null) body[rule.to] = v
        break
      case 'refuse':
        if (v !== null && !rule.allowed(v)) {
          const message = `${param} = ${JSON.stringify(v)} is not supported by ${q.type} (${rule.why})`
          throw unsupportedHere(provider, message, param)
        }
        break
      default: {
        const _exhaustive: never = rule
        return _exhaustive
      }
    }
  }
  if (q.messageFields.length > 0) dropMessageFields(body, q, warnings)
}

function dropMessageFields(body: Record<string, unknown>, q: Quirks, warnings: string[]): void {
  const messages = body['messages'] as ReadonlyArray<Record<string, unknown>>
  let copies: Array<Record<string, unknown>> | null = null
  const named = new Set<string>()
  messages.forEach((m, i) => {
    let copy: Record<string, unknown> | null = null
    for (const f of q.messageFields) {
      if (m[f] === undefined) continue
      if (m[f] !== null) named.add(f)
      copy ??= { ...m }
      delete copy[f]
    }
    if (copy) (copies ??= messages.slice())[i] = copy
  })
  if (copies) body['messages'] = copies
  for (const f of named) warnings.push(`messages[].${f} is not supported by ${q.type} and was not sent`)
}
