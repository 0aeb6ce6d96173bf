/**
 * Tool names a provider refuses, sent as aliases it takes and mapped back on the way out. Anthropic takes
 * names up to 128 characters (Claude Code's MCP tools, `mcp__<server>__<tool>`, often pass 64) but no `.`
 * or `:` (Gemini's, or an earlier call's in a conversation begun elsewhere); OpenAI and Gemini stop at 64,
 * and Gemini wants a letter or `_` first. A name the provider takes is never changed.
 *
 * An alias is the name with each character the provider refuses as `_`, `_` before a refused first
 * character, cut to leave room for `_` and 8 hex digits of the name's SHA-256: readable, and the same name
 * gets the same alias in every request, so a conversation's earlier calls and its tool_choice map the same
 * way turn after turn. One map per request: the request's names go out as aliases, and the answer's (JSON
 * or streamed) come back as the client's.
 */
import { createHash } from 'node:crypto'
import type { StreamDecoder } from './chunk-stream.ts'
import { type ChatChunk, type ChatCompletion, type ChatRequest, RAW_JSON } from './openai-schema.ts'

/** What a provider takes as a function name. */
export interface ToolNameRule {
  readonly max: number
  /** The characters it takes, anywhere. */
  readonly chars: RegExp
  /** What the first character must be. */
  readonly first: RegExp
  /** A character it refuses (global: for `replace`). */
  readonly refused: RegExp
}

function rule(max: number, chars: string, first: RegExp): ToolNameRule {
  return { max, chars: new RegExp(`^[${chars}]+$`), first, refused: new RegExp(`[^${chars}]`, 'g') }
}

/** https://platform.openai.com/docs/api-reference/chat/create (`^[a-zA-Z0-9_-]{1,64}$`) */
export const OPENAI_TOOL_NAMES = rule(64, 'a-zA-Z0-9_-', /^./)

/** https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use (`^[a-zA-Z0-9_-]{1,128}$`) */
export const ANTHROPIC_TOOL_NAMES = rule(128, 'a-zA-Z0-9_-', /^./)

/** https://ai.google.dev/api/caching#FunctionDeclaration (a letter or `_` first; `a-zA-Z0-9_.:-`; at most 64) */
export const GEMINI_TOOL_NAMES = rule(64, 'a-zA-Z0-9_.:-', /^[a-zA-Z_]/)

function takes(rule: ToolNameRule, name: string): boolean {
  return name.length <= rule.max && rule.chars.test(name) && rule.first.test(name)
}

function alias(rule: ToolNameRule, name: string, salt: number): string {
  let base = name.replace(rule.refused, '_')
  if (!rule.first.test(base)) base = `_${base}`
  const hash = createHash('sha256')
    .update(salt === 0 ? name : `${name}\0${salt}`)
    .digest('hex')
  const suffix = `_${hash.slice(0, 8)}`
  return base.slice(0, rule.max - suffix.length) + suffix
}

/** The function names a request holds: its tools, earlier calls and tool_choice. */
function namesOf(req: ChatRequest): Set<string> {
  const names = new Set<string>()
  for (const t of req.tools ?? []) names.add(t.function.name)
  for (const m of req.messages)
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) names.add(c.function.name)
  const choice = req.tool_choice
  if (choice && typeof choice === 'object') names.add(choice.function.name)
  return names
}

/** A request's aliases, both ways. */
export class ToolNames {
  private constructor(
    private readonly toWire: ReadonlyMap<string, string>,
    private readonly fromWire: ReadonlyMap<string, string>,
  ) {}

  /** The request's aliases under `rule`; null when the provider takes every name it holds (the usual case). */
  static of(req: ChatRequest, rule: ToolNameRule): ToolNames | null {
    const names = namesOf(req)
    const refused = [...names].filter((n) => !takes(rule, n))
    if (refused.length === 0) return null
    const toWire = new Map<string, string>()
    const fromWire = new Map<string, string>()
    // Sorted, so that which name yields on a clash does not depend on the order of the request.
    for (const name of refused.sort()) {
      let a = alias(rule, name, 0)
      for (let salt = 1; names.has(a) || fromWire.has(a); salt++) a = alias(rule, name, salt)
      toWire.set(name, a)
      fromWire.set(a, name)
    }
    return new ToolNames(toWire, fromWire)
  }

  private wire = (name: string): string => this.toWire.get(name) ?? name
  private client = (name: string): string => this.fromWire.get(name) ?? name

  /** The request with its names as the provider takes them (a copy; the client's request is kept as it is). */
  request(req: ChatRequest): ChatRequest {
    const out: ChatRequest = { ...req }
    if (req.tools)
      out.tools = req.tools.map((t) => ({ ...t, function: { ...t.function, name: this.wire(t.function.name) } }))
    out.messages = req.messages.map((m) =>
      m.role === 'assistant' && m.tool_calls
        ? {
            ...m,
            tool_calls: m.tool_calls.map((c) => ({
              ...c,
              function: { ...c.function, name: this.wire(c.function.name) },
            })),
          }
        : m,
    )
    const choice = req.tool_choice
    if (choice && typeof choice === 'object')
      out.tool_choice = { ...choice, function: { ...choice.function, name: this.wire(choice.function.name) } }
    return out
  }

  /** The answer's calls under the client's names (in place). */
  completion(c: ChatCompletion): void {
    let changed = false
    for (const ch of c.choices)
      for (const call of ch.message.tool_calls ?? []) {
        const name = this.client(call.function.name)
        if (name !== call.function.name) {
          call.function.name = name
          changed = true
        }
      }
    if (changed) delete c[RAW_JSON]
  }

  /** A chunk's calls under the client's names (in place). */
  chunk(c: ChatChunk): void {
    let changed = false
    for (const ch of c.choices)
      for (const call of ch.delta.tool_calls ?? []) {
        const fn = call.function
        if (fn?.name === undefined) continue
        const name = this.client(fn.name)
        if (name !== fn.name) {
          fn.name = name
          changed = true
        }
      }
    if (changed) delete c[RAW_JSON]
  }

  /** `inner`, its chunks under the client's names. */
  decoder(inner: StreamDecoder): StreamDecoder {
    const restore = (out: ChatChunk[], from: number) => {
      for (let i = from; i < out.length; i++) this.chunk(out[i]!)
    }
    return {
      onEvent(ev, out) {
        const from = out.length
        inner.onEvent(ev, out)
        restore(out, from)
      },
      onEnd(out) {
        const from = out.length
        inner.onEnd(out)
        restore(out, from)
      },
      get done() {
        return inner.done
      },
      get usage() {
        return inner.usage
      },
      get usageFinal() {
        return inner.usageFinal
      },
      get model() {
        return inner.model
      },
      get requestId() {
        return inner.requestId
      },
    }
  }
}
