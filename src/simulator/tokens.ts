/**
 * The simulator's token arithmetic. Real tokenizers are expensive and differ per provider; what tests
 * and benchmarks need is a rule that is cheap, deterministic and documented (README "Token accounting"):
 *   - text: ceil(characters / 4), 0 for empty text;
 *   - each message (or Gemini content, or Anthropic system prompt): +4; each request: +3;
 *   - each image or other inline file: 85;
 *   - each tool definition: ceil(length of its JSON / 4);
 *   - output: one token per word of a text answer, per 4 characters of a JSON answer, and
 *     ceil(arguments JSON / 4) + 3 per tool call.
 */

export const REQUEST_OVERHEAD = 3
export const MESSAGE_OVERHEAD = 4
export const IMAGE_TOKENS = 85
export const TOOL_CALL_OVERHEAD = 3
/** Characters per token of JSON output (answer pieces in JSON mode are this long). */
export const JSON_CHARS_PER_TOKEN = 4

export function textTokens(s: string): number {
  return Math.ceil(s.length / 4)
}

export function toolCallTokens(argsJson: string): number {
  return Math.ceil(argsJson.length / 4) + TOOL_CALL_OVERHEAD
}

const WORD = /\s*\S+/g

/**
 * Splits text into one-token pieces: each word with the whitespace before it, so that joining the
 * pieces gives the text back exactly (trailing whitespace rides on the last piece).
 */
export function wordPieces(text: string): string[] {
  const pieces = text.match(WORD) ?? []
  let used = 0
  for (const p of pieces) used += p.length
  if (used < text.length) {
    if (pieces.length === 0) return [text]
    pieces[pieces.length - 1] += text.slice(used)
  }
  return pieces
}

/** Splits text into pieces of `n` characters (JSON answers, tool-argument fragments). */
export function charPieces(text: string, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += n) out.push(text.slice(i, i + n))
  return out
}
