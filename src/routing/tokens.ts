/**
 * Fast prompt-token estimates for rate-limit reservations and cost estimates. Not a tokenizer: no
 * vocabulary, no regex over the text, one pass over its UTF-16 code units.
 *
 * Method. The text is read as runs of one character class, mirroring how the OpenAI tokenizers'
 * pre-split works (words with their leading space, digit groups of ≤ 3, punctuation runs, whitespace):
 * - a letter run (ASCII and Latin letters with diacritics) costs 1 token per sub-word — a lower→upper
 *   change starts a new one, as in `camelCase` — plus 0.25 per letter beyond the 7th (rare long words
 *   split), plus 1 per letter with a diacritic (BPE vocabularies break words around them);
 * - a digit run costs ⌈n/3⌉; a punctuation run ⌈n/2⌉, except one punctuation character glued to a
 *   following word (`.opts`, `(key`), which the word absorbs;
 * - whitespace: one space before a word is free; a newline run costs 1 (free right after punctuation,
 *   which absorbs it); an indent of ≥ 2 spaces costs 1; a space before a digit costs 1; a run costs
 *   at least 1 per full 16 characters (long padding splits);
 * - other scripts cost per character: Cyrillic 0.5, kana 1, Han / Hangul / full-width 1.25, Indic
 *   scripts and Thai 1.25, symbols and dingbats (U+2100–2BFF) 2, astral characters (emoji) 2.5,
 *   anything else (Greek, Hebrew, Arabic, typographic punctuation…) 1;
 * - a whitespace-free stretch of ≥ 16 ASCII characters that changes class (lower/upper/digit/punct)
 *   at least every other character — base64, hashes, keys — costs at least 1.15 per class change,
 *   since BPE cuts such text into pieces of 1–2 characters.
 * The sum is multiplied by 1.1 (SAFETY), deliberately: the router reserves rate-limit headroom with
 * this number, and an over-estimate costs a little idle capacity while an under-estimate costs a 429.
 *
 * Measured error (estimate vs real count, on src/routing/__fixtures__/token-samples; the tests assert
 * the bounds in brackets):
 *   class                          o200k_base       cl100k_base     asserted
 *   English prose                    +11%              +10%        [-5%, +25%] both
 *   markdown                          +9%               +9%        [-5%, +25%] both
 *   code (TypeScript, Python)      +12%, +11%        +12%, +13%    [-5%, +25%] both
 *   JSON                              +6%               +6%        [-5%, +25%] both
 *   numbers / CSV / tables           +11%              +11%        [-5%, +25%] both
 *   French, German                 +23%, +16%         +4%, -17%    o200k [-5%, +30%], cl100k [-25%, +30%]
 *   Chinese, Japanese              +55%, +44%         +6%, +9%     [-5%, +75%] both
 *   emoji-heavy                      +37%               +4%        [-5%, +50%] both
 *   opaque ids (base64, hex, JWT)    +18%              +15%        [-5%, +35%] both
 * A held-out set (Go, SQL, YAML, logs, Spanish, more prose, Russian, Korean, Chinese, Hindi) fell in
 * the same bands (Spanish -6% vs cl100k), except over-estimates of Russian, Korean, Chinese and Hindi
 * against o200k (+74% to +280%), which is much better at those scripts than cl100k. Long runs of one
 * repeated character are over-estimated; very long rare words (40+ letters) are under-estimated by
 * up to 20% against cl100k. cl100k is the GPT-4-era tokenizer; current OpenAI models use o200k.
 * Anthropic's and Gemini's tokenizers are not public: expect Claude to count somewhat more than o200k
 * and Gemini fewer. Reservations are corrected with the provider's real usage.
 *
 * A prompt (`estimatePromptTokens`) is its texts — message contents, names, tool calls' ids, names and
 * arguments, tool results, tool definitions as JSON, a json_schema response format as JSON — scaled
 * as above, plus fixed costs: 4 per message (OpenAI documents 3), 1 per name, 3 to prime the reply,
 * 8 per tool definition and 12 for the tool block; an image 85 tokens at `detail: low`, else a flat 765
 * (OpenAI's gpt-4o count for a 1024×1024 image at high detail; up to 1,445 for a large image there,
 * up to ~1,600 at Anthropic, 258 at Gemini; the estimate is made once per request, so per-model image
 * rates — gpt-4o-mini counts ~33× more image tokens — are not modelled); audio 32 tokens per second
 * (Gemini's rate, above OpenAI's) with the duration guessed from the payload at 16 kB/s; a file 1 token
 * per 16 bytes of payload, or 1,000 when only its id is known. `n` does not change the prompt.
 */
import type { ChatMessage, ChatRequest } from '../providers/openai-schema.ts'

/** Over-estimate factor applied to text (see above). */
const SAFETY = 1.1

const WORD_FREE_LETTERS = 7
const TOKENS_PER_EXTRA_LETTER = 0.25
const DIACRITIC_TOKENS = 1
const CYRILLIC_TOKENS = 0.5
const KANA_TOKENS = 1
const CJK_TOKENS = 1.25
const INDIC_THAI_TOKENS = 1.25
const SYMBOL_TOKENS = 2
const ASTRAL_TOKENS = 2.5
const OTHER_TOKENS = 1
const WHITESPACE_PER_TOKEN = 16
const DENSE_MIN_LENGTH = 16
const DENSE_TOKENS_PER_SWITCH = 1.15

// Run classes.
const NONE = 0
const WORD = 1
const DIGIT = 2
const PUNCT = 3
const SPACE = 4

/** Estimated tokens of a piece of text (see the file header for the method and its error). */
export function estimateTextTokens(text: string): number {
  return Math.ceil(rawTextTokens(text) * SAFETY)
}

/** The unscaled sum; the prompt estimate adds these up and scales once. */
function rawTextTokens(text: string): number {
  const n = text.length
  let tokens = 0
  let prev = NONE
  // The current whitespace-free stretch, for the dense-text floor.
  let chunkStart = 0
  let chunkLength = 0
  let chunkSwitches = 0
  let chunkClass = 0 // last ASCII class in the chunk: 1 lower, 2 upper, 3 digit, 4 punct

  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (isLetter(c)) {
      let sub = 0
      let lastLower = false
      let j = i
      for (; j < n; j++) {
        const d = text.charCodeAt(j)
        const lower = d >= 97 && d <= 122
        const upper = d >= 65 && d <= 90
        if (!lower && !upper && !(d >= 0xc0 && d <= 0x24f)) break
        if (upper && lastLower) {
          tokens += wordTokens(sub)
          sub = 0
        }
        if (!lower && !upper) tokens += DIACRITIC_TOKENS
        else {
          const cls = lower ? 1 : 2
          if (chunkLength > 0 && cls !== chunkClass) chunkSwitches++
          chunkClass = cls
          chunkLength++
        }
        lastLower = !upper
        sub++
      }
      tokens += wordTokens(sub)
      prev = WORD
      i = j
    } else if (c >= 48 && c <= 57) {
      let j = i + 1
      while (j < n && isDigit(text.charCodeAt(j))) j++
      tokens += Math.ceil((j - i) / 3)
      if (chunkLength > 0 && chunkClass !== 3) chunkSwitches++
      chunkClass = 3
      chunkLength += j - i
      prev = DIGIT
      i = j
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      tokens = closeChunk(tokens, chunkStart, chunkLength, chunkSwitches)
      let newline = false
      let trailing = 0
      let j = i
      for (; j < n; j++) {
        const d = text.charCodeAt(j)
        if (d === 10 || d === 13) {
          newline = true
          trailing = 0
        } else if (d === 32 || d === 9) trailing++
        else break
      }
      let ws = 0
      if (newline && prev !== PUNCT) ws += 1
      if (trailing >= 2) ws += 1
      if (trailing >= 1 && j < n && isDigit(text.charCodeAt(j))) ws += 1
      // Vocabularies hold whitespace tokens only up to some length; long runs (padding) split.
      tokens += Math.max(ws, Math.floor((j - i) / WHITESPACE_PER_TOKEN))
      chunkStart = tokens
      chunkLength = 0
      chunkSwitches = 0
      prev = SPACE
      i = j
    } else if (c < 128) {
      let j = i + 1
      while (j < n && isPunct(text.charCodeAt(j))) j++
      const length = j - i
      const absorbed = length === 1 && prev !== SPACE && j < n && isLetter(text.charCodeAt(j))
      if (!absorbed) tokens += Math.ceil(length / 2)
      if (chunkLength > 0 && chunkClass !== 4) chunkSwitches++
      chunkClass = 4
      chunkLength += length
      prev = PUNCT
      i = j
    } else {
      tokens = closeChunk(tokens, chunkStart, chunkLength, chunkSwitches) + nonAsciiTokens(c)
      chunkStart = tokens
      chunkLength = 0
      chunkSwitches = 0
      prev = NONE
      i++
    }
  }
  return closeChunk(tokens, chunkStart, chunkLength, chunkSwitches)
}

function wordTokens(letters: number): number {
  if (letters === 0) return 0
  return letters > WORD_FREE_LETTERS ? 1 + (letters - WORD_FREE_LETTERS) * TOKENS_PER_EXTRA_LETTER : 1
}

/** Applies the dense-text floor to the stretch that began at `start` tokens. */
function closeChunk(tokens: number, start: number, length: number, switches: number): number {
  if (length < DENSE_MIN_LENGTH || switches * 2 < length) return tokens
  return Math.max(tokens, start + switches * DENSE_TOKENS_PER_SWITCH)
}

function nonAsciiTokens(c: number): number {
  if (c >= 0xdc00 && c <= 0xdfff) return 0 // low surrogate: counted with its high half
  if (c >= 0xd800 && c <= 0xdbff) return ASTRAL_TOKENS
  if (c >= 0x0400 && c <= 0x052f) return CYRILLIC_TOKENS
  if (c >= 0x0900 && c <= 0x0eff) return INDIC_THAI_TOKENS
  if (c >= 0x3040 && c <= 0x30ff) return KANA_TOKENS
  if (
    (c >= 0x2e80 && c <= 0x9fff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xff00 && c <= 0xffef)
  )
    return CJK_TOKENS
  if (c >= 0x2100 && c <= 0x2bff) return SYMBOL_TOKENS
  return OTHER_TOKENS
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0x24f)
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/** ASCII, not a letter, digit or whitespace. */
function isPunct(c: number): boolean {
  return c < 128 && !isLetter(c) && !isDigit(c) && c !== 32 && c !== 9 && c !== 10 && c !== 13
}

// ---------------------------------------------------------------------------------------------
// Prompts

type Content = ChatMessage['content']

const MESSAGE_TOKENS = 4
const NAME_TOKENS = 1
const REPLY_PRIMING_TOKENS = 3
const TOOL_BLOCK_TOKENS = 12
const TOOL_TOKENS = 8
const TOOL_CALL_TOKENS = 4
const IMAGE_LOW_TOKENS = 85
const IMAGE_TOKENS = 765
const AUDIO_TOKENS_PER_SECOND = 32
const AUDIO_BYTES_PER_SECOND = 16_000
const FILE_BYTES_PER_TOKEN = 16
const FILE_ID_TOKENS = 1_000

/** Estimated prompt tokens of a whole request (see the file header for what is counted). */
export function estimatePromptTokens(req: ChatRequest): number {
  let text = 0
  let fixed = REPLY_PRIMING_TOKENS
  for (const m of req.messages) {
    fixed += MESSAGE_TOKENS
    if (m.role !== 'tool' && m.name) {
      fixed += NAME_TOKENS
      text += rawTextTokens(m.name)
    }
    if (m.role === 'assistant') {
      if (m.refusal) text += rawTextTokens(m.refusal)
      for (const call of m.tool_calls ?? []) {
        fixed += TOOL_CALL_TOKENS
        text += rawTextTokens(call.id) + rawTextTokens(call.function.name) + rawTextTokens(call.function.arguments)
      }
    } else if (m.role === 'tool') {
      text += rawTextTokens(m.tool_call_id)
    }
    const c = contentTokens(m.content)
    text += c.text
    fixed += c.fixed
  }
  if (req.tools?.length) {
    fixed += TOOL_BLOCK_TOKENS
    for (const tool of req.tools) {
      fixed += TOOL_TOKENS
      text += rawTextTokens(JSON.stringify(tool.function))
    }
  }
  if (req.response_format?.type === 'json_schema')
    text += rawTextTokens(JSON.stringify(req.response_format.json_schema))
  return Math.ceil(text * SAFETY + fixed)
}

function contentTokens(content: Content): { text: number; fixed: number } {
  if (content == null) return { text: 0, fixed: 0 }
  if (typeof content === 'string') return { text: rawTextTokens(content), fixed: 0 }
  let text = 0
  let fixed = 0
  for (const part of content) {
    switch (part.type) {
      case 'text':
        text += rawTextTokens(part.text)
        break
      case 'refusal':
        text += rawTextTokens(part.refusal)
        break
      case 'image_url':
        fixed += part.image_url.detail === 'low' ? IMAGE_LOW_TOKENS : IMAGE_TOKENS
        break
      case 'input_audio':
        fixed += Math.ceil((base64Bytes(part.input_audio.data) * AUDIO_TOKENS_PER_SECOND) / AUDIO_BYTES_PER_SECOND)
        break
      case 'file':
        fixed += part.file.file_data
          ? Math.ceil(base64Bytes(part.file.file_data) / FILE_BYTES_PER_TOKEN)
          : FILE_ID_TOKENS
        break
      default: {
        const exhaustive: never = part
        return exhaustive
      }
    }
  }
  return { text, fixed }
}

/** Decoded size of a base64 payload (a data-URL prefix, if any, is counted too: close enough here). */
function base64Bytes(data: string): number {
  let padding = 0
  while (padding < 2 && data.charCodeAt(data.length - 1 - padding) === 61 /* = */) padding++
  return Math.floor((data.length * 3) / 4) - padding
}
