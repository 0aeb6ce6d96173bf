/**
 * ProviderError builders every adapter shares: the failures that look the same whatever the provider
 * (cancelled, cut stream, garbage 2xx, timeout, unreachable). Each provider's own errors.ts maps its
 * HTTP error bodies and re-exports these.
 */
import { ProviderError } from './types.ts'

/** Where a failure happened. (Keys are scrubbed from what the error says in one place, ../redact.ts.) */
export interface ErrorContext {
  provider: string
  now: number
  /** Before the answer (`request`) or while reading a stream. */
  during: 'request' | 'stream'
  /** When this signal is aborted, any failure is reported as a cancellation. */
  signal?: AbortSignal
}

export function cancelled(provider: string): ProviderError {
  return new ProviderError({
    provider,
    status: 499,
    kind: 'cancelled',
    message: 'the request was cancelled',
    type: 'cancelled',
    code: 'cancelled',
  })
}

/** The stream stopped early: cut connection, idle timeout, unreadable event, or no proper end. */
export function streamBroken(provider: string, detail: string): ProviderError {
  return new ProviderError({
    provider,
    status: 502,
    kind: 'stream',
    message: `${provider} stream broke: ${detail}`,
    code: 'stream_error',
  })
}

/** A 2xx that is not what was asked for (HTML from a proxy, truncated JSON, a body of the wrong shape). */
export function badResponse(provider: string, what: string): ProviderError {
  return new ProviderError({
    provider,
    status: 502,
    kind: 'server',
    message: `${provider} sent an invalid response: ${what}`,
    code: 'bad_upstream_response',
  })
}

export function timedOut(provider: string, detail: string): ProviderError {
  return new ProviderError({
    provider,
    status: 504,
    kind: 'timeout',
    message: `${provider} ${detail}`,
    code: 'timeout',
  })
}

export function unreachable(provider: string, detail: string): ProviderError {
  return new ProviderError({
    provider,
    status: 502,
    kind: 'connection',
    message: `could not reach ${provider}: ${detail}`,
    code: 'connection_error',
  })
}

/**
 * A valid OpenAI request this provider cannot take as it is (`n > 1` on Anthropic, an audio part, a
 * schema Gemini cannot express): a 400 that names the parameter, of kind `unsupported`, so that the
 * route passes the request on to a target that may take it; from the last target it is the answer.
 */
export function unsupportedHere(
  provider: string,
  message: string,
  param: string,
  code = 'unsupported_parameter',
): ProviderError {
  return new ProviderError({ provider, status: 400, kind: 'unsupported', message, param, code })
}

/**
 * More stop sequences than the provider takes (an Anthropic Messages client may send many): `unsupported`,
 * so the route moves on to a target that takes them, before anything is sent.
 */
export function tooManyStops(provider: string, count: number, max: number): ProviderError {
  return unsupportedHere(provider, `${count} stop sequences, but ${provider} takes at most ${max}`, 'stop')
}

/** A client API this target's adapter does not pass through: kind `unsupported`, so the route moves on. */
export function notNative(provider: string, type: string, api: string): ProviderError {
  return new ProviderError({
    provider,
    status: 400,
    kind: 'unsupported',
    message: `${provider} (type ${type}) does not take ${api} requests as they are`,
    code: 'unsupported_api',
  })
}
