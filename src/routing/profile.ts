/**
 * What the planner knows about a request, computed once per request: estimated size, output cap,
 * needed capabilities and the signals the complexity cascade reads.
 *
 * Needs:
 * - tools: `tools` is non-empty and `tool_choice` is not `"none"`, or the conversation already holds
 *   tool traffic (a `tool` message or an assistant message with `tool_calls`), which only a
 *   tools-capable target can take;
 * - vision: any `image_url` content part, in any message;
 * - jsonSchema: `response_format.type` is `"json_schema"`.
 *
 * Complexity signals (strategies/cascade.ts decides what is "hard"):
 * - promptTokens, messages (count), tools (= needs.tools), maxOutputTokens: as above.
 * - code and multiStep read only the text parts of the LAST user message, and only its first 20,000
 *   characters. The last message is the current ask; earlier turns and the system prompt are left out
 *   on purpose, since system prompts are fixed per application and often hold numbered rules or
 *   "think step by step", which would make every request look hard.
 * - code is true when that text has
 *     a fenced code block (a line containing three backticks), or
 *     a Python traceback ("Traceback (most recent call last)"), or
 *     at least 3 source-looking lines. A line (trimmed) looks like source when it ends in `;`, `{` or
 *     `}`, or starts with one of `def `, `class `, `function `, `import `, `from … import`,
 *     `#include`, `package `, `func `, `fn `, `const `, `var `, `public `, `private `, `return `,
 *     `SELECT `, or is a stack frame (starts with `at ` and ends in `)`, or starts with `File "`).
 * - multiStep is true when that text has
 *     "step by step" (also "step-by-step"), any case, or
 *     the word "first"/"firstly" followed later by "then", "after that" or "finally", or
 *     a numbered list of at least 3 items (lines whose first non-blank characters are 1–2 digits,
 *     then `.` or `)`, then a space), or
 *     at least 3 question marks (`?` or the full-width `？`).
 *
 * Cost: estimatePromptTokens reads all text once; the signals read at most 20,000 characters of one
 * message, line by line, with module-level regexes that cannot backtrack beyond a line.
 */
import { type ChatMessage, type ChatRequest, contentText, maxOutputTokens } from '../providers/openai-schema.ts'
import { estimatePromptTokens } from './tokens.ts'
import type { ComplexitySignals, Needs, RequestProfile } from './types.ts'

export interface ProfileOptions {
  /** Output tokens to expect when the request sets no cap (a route setting). */
  defaultExpectedOutput: number
  /** A budget applies to the request, so only priced targets may serve it. */
  requirePrice?: boolean
}

/** Characters of the last user message the complexity heuristics read. */
export const SIGNAL_SCAN_CHARS = 20_000

const CODE_LINE_START =
  /^(?:def |class |function |import |from \S+ import |#include|package |func |fn |const |var |public |private |return |SELECT |File ")/
const STEP_BY_STEP = /\bstep[ -]by[ -]step\b/i
const FIRST = /\bfirst(?:ly)?\b/i
const THEN_AFTER_FIRST = /\b(?:then|after that|finally)\b/gi
const NUMBERED_ITEM = /^\d{1,2}[.)] /
/** Lines per signal: 3 numbered items, 3 source-looking lines, 3 question marks. */
const SIGNAL_MIN = 3

export function buildProfile(req: ChatRequest, opts: ProfileOptions): RequestProfile {
  const needs: Needs = {
    tools: (req.tools?.length ?? 0) > 0 && req.tool_choice !== 'none',
    vision: false,
    jsonSchema: req.response_format?.type === 'json_schema',
  }
  let lastUser: ChatMessage | undefined
  for (const m of req.messages) {
    if (m.role === 'tool' || (m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0)) needs.tools = true
    if (m.role === 'user') {
      lastUser = m
      if (typeof m.content !== 'string') {
        for (const part of m.content) if (part.type === 'image_url') needs.vision = true
      }
    }
  }

  const promptTokens = estimatePromptTokens(req)
  const cap = maxOutputTokens(req) ?? null
  const ask = lastUser ? contentText(lastUser.content) : ''
  const text = ask.length > SIGNAL_SCAN_CHARS ? ask.slice(0, SIGNAL_SCAN_CHARS) : ask
  const signals = textSignals(text)
  const complexity: ComplexitySignals = {
    promptTokens,
    messages: req.messages.length,
    tools: needs.tools,
    code: signals.code,
    multiStep: signals.multiStep,
    maxOutputTokens: cap,
  }
  return {
    kind: 'chat',
    promptTokens,
    contextTokens: promptTokens,
    maxOutputTokens: cap,
    expectedOutputTokens: cap ?? opts.defaultExpectedOutput,
    needs,
    stream: req.stream === true,
    complexity,
    requirePrice: opts.requirePrice ?? false,
  }
}

/** The code and multi-step heuristics (see the file header) over already bounded text. */
export function textSignals(text: string): { code: boolean; multiStep: boolean } {
  let code = text.includes('```') || text.includes('Traceback (most recent call last)')
  let multiStep = STEP_BY_STEP.test(text) || firstThen(text) || countQuestions(text) >= SIGNAL_MIN

  let codeLines = 0
  let numbered = 0
  let start = 0
  while (start < text.length && !(code && multiStep)) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    let a = start
    let b = end
    while (a < b && isBlank(text.charCodeAt(a))) a++
    while (b > a && isBlank(text.charCodeAt(b - 1))) b--
    if (a < b) {
      // Regexes see at most the line's first 40 characters: enough for every prefix they look for.
      const head = text.slice(a, Math.min(b, a + 40))
      const last = text.charCodeAt(b - 1)
      const frame = head.startsWith('at ') && last === 41 /* ) */
      if (last === 59 /* ; */ || last === 123 /* { */ || last === 125 /* } */ || frame || CODE_LINE_START.test(head)) {
        if (++codeLines >= SIGNAL_MIN) code = true
      }
      if (NUMBERED_ITEM.test(head) && ++numbered >= SIGNAL_MIN) multiStep = true
    }
    start = end + 1
  }
  return { code, multiStep }
}

function firstThen(text: string): boolean {
  const first = FIRST.exec(text)
  if (!first) return false
  THEN_AFTER_FIRST.lastIndex = first.index + first[0].length
  const found = THEN_AFTER_FIRST.test(text)
  THEN_AFTER_FIRST.lastIndex = 0
  return found
}

function countQuestions(text: string): number {
  let n = 0
  for (let i = 0; i < text.length && n < SIGNAL_MIN; i++) {
    const c = text.charCodeAt(i)
    if (c === 63 /* ? */ || c === 0xff1f /* ？ */) n++
  }
  return n
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13
}
