/**
 * The one scrub for what upstreams say. Every upstream string that can leave Headroom — an error's
 * message, code, param and type; the model a provider reports — passes here on its way into the core
 * (see routing/attempt-errors.ts and spend/attempt-row.ts): key-shaped tokens and the configured
 * secrets become `[redacted]`, and strings are bounded. Identifiers, which can reach a header (error
 * codes go into `x-headroom-decision`), are also kept to printable ASCII.
 */
import type { ProviderError, Target } from './types.ts'

const REDACTED = '[redacted]'

// Key-shaped tokens: OpenAI (sk-…, sk-proj-…), Anthropic (sk-ant-…), Google (AIza…). Providers echo
// masked keys in 401 messages ("Incorrect API key provided: sk-abc…xyz"); no part of a key is passed on.
// Not after a letter or digit (`risk-free` is no key), but after `_` (`invalid_key_sk-…` holds one);
// dots inside for masks like `sk-ab...yz`, none at the end (a sentence's full stop stays).
const KEY_PATTERN = /(?<![A-Za-z0-9])(sk-[A-Za-z0-9_*.-]{3,}[A-Za-z0-9_*-]|AIza[A-Za-z0-9_-]{10,})/g
const NOT_PRINTABLE = /[^\x20-\x7e]/g

/** Secrets shorter than this are not scrubbed: a 3-letter key would garble every message and hide little. */
const MIN_SECRET_LENGTH = 4
/** Error codes, types and params are identifiers; model ids are bounded the same way (see validate). */
const MAX_TOKEN = 256
/** Error messages: long enough for any real one, short enough that an upstream cannot flood a log line. */
const MAX_TEXT = 2000

/** `text` with every configured secret and every key-shaped token replaced by `[redacted]`. */
export function redactKeys(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED)
  return out.replace(KEY_PATTERN, REDACTED)
}

/** An identifier from upstream (error code, type or param; a model id): scrubbed, printable ASCII, bounded. */
export function upstreamToken(value: string, secrets: readonly string[]): string {
  return redactKeys(value, secrets).replace(NOT_PRINTABLE, '?').slice(0, MAX_TOKEN)
}

/** Prose from upstream (an error message): scrubbed and bounded; any language stays readable. */
export function upstreamText(value: string, secrets: readonly string[]): string {
  const out = redactKeys(value, secrets)
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}… (cut at ${MAX_TEXT} characters)` : out
}

// Header names that carry credentials (`authorization`, Azure's `api-key`, a proxy's `x-auth-token`).
const CREDENTIAL_HEADER = /auth|key|token|secret|cookie/i

/** The values of credential headers among `headers`, also without an auth scheme such as `Bearer `. */
export function credentialHeaderValues(headers: Readonly<Record<string, string>> | undefined): string[] {
  const out: string[] = []
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!CREDENTIAL_HEADER.test(name)) continue
    out.push(value)
    const space = value.indexOf(' ')
    if (space > 0) out.push(value.slice(space + 1).trim())
  }
  return out
}

/** What a target sends upstream that an upstream could echo back: its key and its credential headers. */
export function targetSecrets(target: Pick<Target, 'apiKey' | 'headers'>): string[] {
  return [target.apiKey, ...credentialHeaderValues(target.headers)]
}

/** The error with its upstream strings scrubbed (itself when there was nothing to scrub). */
export function scrubError(pe: ProviderError, secrets: readonly string[]): ProviderError {
  const message = upstreamText(pe.message, secrets)
  const type = upstreamToken(pe.type, secrets)
  const code = pe.code === null ? null : upstreamToken(pe.code, secrets)
  const param = pe.param === null ? null : upstreamToken(pe.param, secrets)
  if (message === pe.message && type === pe.type && code === pe.code && param === pe.param) return pe
  return pe.reworded({ message, type, code, param })
}
