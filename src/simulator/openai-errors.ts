/**
 * The sentences OpenAI's request validation uses over and over (same words on chat completions,
 * responses and embeddings), so that each parser states only which parameter and what it expected.
 */
import { invalid, supported } from './openai-request.ts'
import { typeName } from './values.ts'
import type { ErrorOut } from './wire.ts'

/** `Invalid type for 'p': expected <what>, but got <a string> instead.` */
export function badType(p: string, what: string, v: unknown): ErrorOut {
  return invalid(`Invalid type for '${p}': expected ${what}, but got ${typeName(v)} instead.`, p, 'invalid_type')
}

/** `Invalid value: 'v'. Supported values are: 'a', 'b', and 'c'.` */
export function badValue(p: string, v: string, values: readonly string[]): ErrorOut {
  return invalid(`Invalid value: '${v}'. Supported values are: ${supported(values)}.`, p, 'invalid_value')
}

/** `Invalid 'p': integer below minimum value. Expected a value >= 1, but got 0 instead.` (and above). */
export function outOfRange(p: string, v: number, lo: number, hi: number, int = true): ErrorOut | null {
  const kind = int ? 'integer' : 'decimal'
  if (v < lo) {
    const m = `Invalid '${p}': ${kind} below minimum value. Expected a value >= ${lo}, but got ${v} instead.`
    return invalid(m, p, `${kind}_below_min_value`)
  }
  if (v > hi) {
    const m = `Invalid '${p}': ${kind} above maximum value. Expected a value <= ${hi}, but got ${v} instead.`
    return invalid(m, p, `${kind}_above_max_value`)
  }
  return null
}

/** An image data URL whose bytes are no image (the real API's words, typo included). */
export function unsupportedImage(): ErrorOut {
  const formats = "of one the following formats: ['png', 'jpeg', 'gif', 'webp']"
  const m = `You uploaded an unsupported image. Please make sure your image has ${formats}.`
  return invalid(m, null, 'invalid_image_format')
}

/** An optional integer parameter in [lo, hi]: its value, undefined when absent (or null), or the error. */
export function intParam(b: Record<string, unknown>, p: string, lo: number, hi: number): number | undefined | ErrorOut {
  const v = b[p]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v)) return badType(p, 'an integer', v)
  return outOfRange(p, v, lo, hi) ?? v
}
