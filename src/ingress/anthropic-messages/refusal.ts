/**
 * A request the decoder will not translate: one Anthropic itself would refuse, or one whose translation
 * would change the answer (a server tool, a prefill, a Files API id…). It becomes a 400
 * `invalid_request_error` whose message starts with the field, as Anthropic's own do (`tools.0: …`).
 */
export class Refusal extends Error {
  override readonly name = 'Refusal'
  constructor(
    readonly param: string,
    detail: string,
  ) {
    super(`${param}: ${detail}`)
  }
}

/**
 * The wording for a feature only Anthropic serves, and `why` no other provider can take it: the client's
 * remedy is a route to an Anthropic target.
 */
export function onlyAnthropic(what: string, why: string): string {
  return `${what} can only be served by an Anthropic target: ${why}`
}
