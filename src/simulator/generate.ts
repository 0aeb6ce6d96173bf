/**
 * Deterministic answers. Given a provider-neutral request and a seed, decide whether to call tools
 * (and with which arguments) or to answer in text / JSON, then apply the output cap, stop sequences
 * and reasoning tokens. Directives in the last user message steer it (README "Directives").
 */
import { idChars, mix, prng } from './rng.ts'
import { valueFromSchema } from './schema-value.ts'
import { charPieces, JSON_CHARS_PER_TOKEN, toolCallTokens, wordPieces } from './tokens.ts'
import type { Answer, Api, FinishKind, SimModelConfig, SimRequest, ToolCallOut, ToolSpec } from './types.ts'
import { word } from './vocab.ts'

export interface Directives {
  reply: string | null
  /** `call: all` → every tool; `call: a, b` → those tools. */
  call: 'all' | string[] | null
  noTools: boolean
  tokens: number | null
}

const REPLY = /^reply:\s?(.*)$/i
const CALL = /^call:\s*(.+)$/i
const TOKENS = /^tokens:\s*(\d+)$/i
const NO_TOOLS = /^no tools\.?$/i

export function parseDirectives(text: string): Directives {
  const d: Directives = { reply: null, call: null, noTools: false, tokens: null }
  // Fast path: most prompts carry no directive at all.
  if (text.indexOf(':') === -1 && !/no tools/i.test(text)) return d
  for (const raw of text.split('\n')) {
    // The reply keeps its trailing whitespace (it is answered byte for byte); other directives are trimmed.
    const untrimmed = raw.replace(/^\s+/, '').replace(/\r$/, '')
    const line = untrimmed.trimEnd()
    let m: RegExpExecArray | null
    if ((m = REPLY.exec(untrimmed))) d.reply ??= m[1] ?? ''
    else if ((m = CALL.exec(line))) {
      const v = (m[1] ?? '').trim()
      d.call =
        v.toLowerCase() === 'all'
          ? 'all'
          : v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
    } else if ((m = TOKENS.exec(line))) d.tokens = Number(m[1])
    else if (NO_TOOLS.test(line)) d.noTools = true
  }
  return d
}

/** One answer per requested choice / candidate, each from its own seed. */
export function generateAnswers(req: SimRequest, cfg: SimModelConfig, seed: number, api: Api): Answer[] {
  const dirs = parseDirectives(req.lastUserText)
  const out: Answer[] = []
  for (let i = 0; i < req.choices; i++) out.push(generateOne(req, cfg, dirs, mix(seed, i), api))
  return out
}

function toolsToCall(req: SimRequest, dirs: Directives): ToolSpec[] {
  if (req.toolResults !== null || !req.endsWithUser || req.tools.length === 0 || req.toolChoice === 'none') return []
  if (req.toolChoice === 'tool') {
    const t = req.tools.find((x) => x.name === req.forcedTool)
    return t ? [t] : []
  }
  if (req.toolChoice === 'auto' && dirs.noTools) return []
  let picked: ToolSpec[] = [req.tools[0] as ToolSpec]
  if (dirs.call === 'all') picked = req.tools
  else if (dirs.call) {
    const named = req.tools.filter((t) => (dirs.call as string[]).includes(t.name))
    if (named.length > 0) picked = named
  }
  return req.parallelTools ? picked : picked.slice(0, 1)
}

function toolCallId(api: Api, r: () => number, i: number): string {
  const s = Math.floor(r() * 4294967296) + i
  if (api === 'openai') return `call_${idChars(s, 24)}`
  if (api === 'anthropic') return `toolu_01${idChars(s, 22)}`
  return '' // Gemini function calls carry no id on the Developer API
}

function generateOne(req: SimRequest, cfg: SimModelConfig, dirs: Directives, seed: number, api: Api): Answer {
  const r = prng(seed)
  const reasoningOn = req.thinkingBlock || cfg.reasoning === true
  const tools = toolsToCall(req, dirs)
  if (tools.length > 0) {
    const calls: ToolCallOut[] = tools.map((t, i) => {
      const args = valueFromSchema(t.schema ?? { type: 'object' }, r)
      return { id: toolCallId(api, r, i), name: t.name, args, argsJson: JSON.stringify(args) }
    })
    let visible = 0
    for (const c of calls) visible += toolCallTokens(c.argsJson)
    const reasoning = reasoningOn ? planReasoning(req, visible) : 0
    return answer([], '', false, calls, 'tool_calls', null, visible, reasoning, thinkingText(req, reasoning, r))
  }

  let pieces: string[]
  let json = false
  if (req.toolResults !== null) {
    pieces = wordPieces(req.toolResults.map((t) => `Tool ${t.name} returned: ${t.content}`).join('\n'))
  } else if (req.json !== null) {
    const value =
      req.json.schema == null
        ? { answer: words(r, dirs.tokens ?? cfg.outputTokens).join('') }
        : valueFromSchema(req.json.schema, r)
    pieces = charPieces(JSON.stringify(value), JSON_CHARS_PER_TOKEN)
    json = true
  } else {
    pieces = dirs.reply !== null ? wordPieces(dirs.reply) : words(r, dirs.tokens ?? cfg.outputTokens)
    if (req.images > 0) {
      const seen = wordPieces(`I see ${req.images} image${req.images === 1 ? '' : 's'}.`)
      if (pieces.length > 0 && !/^\s/.test(pieces[0] as string)) pieces[0] = ` ${pieces[0]}`
      pieces = seen.concat(pieces)
    }
  }

  // Reasoning is spent first and counts against the output cap (OpenAI max_completion_tokens,
  // Gemini maxOutputTokens, Anthropic max_tokens with thinking on), as on the real APIs.
  let reasoning = reasoningOn ? planReasoning(req, pieces.length) : 0
  let budget = Infinity
  if (req.maxTokens !== null) {
    reasoning = Math.min(reasoning, req.maxTokens)
    budget = req.maxTokens - reasoning
  }
  let finish: FinishKind = 'stop'
  let stopSequence: string | null = null
  let text = pieces.join('')
  if (pieces.length > budget) {
    pieces = pieces.slice(0, budget)
    text = pieces.join('')
    finish = 'length'
  }
  const stop = findStop(text, req.stop)
  if (stop) {
    text = text.slice(0, stop.at)
    pieces = cutPieces(pieces, stop.at)
    finish = 'stop_sequence'
    stopSequence = stop.seq
  }
  return answer(pieces, text, json, [], finish, stopSequence, pieces.length, reasoning, thinkingText(req, reasoning, r))
}

function answer(
  pieces: string[],
  text: string,
  json: boolean,
  toolCalls: ToolCallOut[],
  finish: FinishKind,
  stopSequence: string | null,
  outputTokens: number,
  reasoningTokens: number,
  thinking: string,
): Answer {
  return { pieces, text, json, toolCalls, finish, stopSequence, outputTokens, reasoningTokens, thinking }
}

function words(r: () => number, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(i === 0 ? word(r) : ` ${word(r)}`)
  return out
}

function planReasoning(req: SimRequest, visible: number): number {
  const planned = Math.ceil(Math.max(visible, 4) * req.reasoningFactor)
  return req.reasoningBudget === null ? planned : Math.min(planned, req.reasoningBudget)
}

function thinkingText(req: SimRequest, reasoning: number, r: () => number): string {
  return req.thinkingBlock && reasoning > 0 ? words(r, reasoning).join('') : ''
}

function findStop(text: string, stops: string[]): { at: number; seq: string } | null {
  let best: { at: number; seq: string } | null = null
  for (const seq of stops) {
    if (seq === '') continue
    const at = text.indexOf(seq)
    if (at !== -1 && (best === null || at < best.at)) best = { at, seq }
  }
  return best
}

/** The pieces covering text[0, at): the piece holding `at` is cut short (still one token). */
function cutPieces(pieces: string[], at: number): string[] {
  const out: string[] = []
  let pos = 0
  for (const p of pieces) {
    if (pos >= at) break
    out.push(pos + p.length <= at ? p : p.slice(0, at - pos))
    pos += p.length
  }
  return out
}
