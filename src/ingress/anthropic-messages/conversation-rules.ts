/**
 * The rules Anthropic holds a conversation to beyond its schema, checked before any target is chosen, so
 * the answer is Anthropic's 400 in Anthropic's words whichever target the route would pick (a translated
 * target would answer in its own words, or not at all: Gemini takes a call left unanswered). Pure.
 * https://docs.anthropic.com/en/api/messages,
 * https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks
 *
 * - every message has content, except an optional final assistant message (the prefill), whose text must
 *   not end in whitespace (as Anthropic's clients report it, e.g. langchain-ai/langchain#35072);
 * - no text block of a message is empty, and none is whitespace only unless the message has other text
 *   (Anthropic accepts `' '` beside `'hi'`: LibreChat-AI/agents#124, which tried each shape);
 * - `tool_use` blocks only in assistant messages;
 * - the `tool_result` blocks of a user turn answer `tool_use` ids of the assistant turn right before it,
 *   and a user turn after an assistant turn answers each of its `tool_use` ids.
 * - (toolsRule) the names in `tools` are unique.
 * Consecutive messages of one role are one turn, as Anthropic merges them; a `system` message between
 * turns is passed over (the reference page predates them: nothing is assumed of their place).
 */
import type { MessageParamT, ToolT } from './request-schema.ts'

export interface RuleBroken {
  /** The dotted path Anthropic names (`messages.2`, `messages.0.content.1`). */
  param: string
  message: string
}

interface Turn {
  role: MessageParamT['role']
  /** Where the turn starts, for Anthropic's `messages.N`. */
  at: number
  /** The turn's tool_use ids; its tool_result blocks with where each is. */
  uses: string[]
  results: Array<{ id: string; at: string }>
}

export function conversationRule(messages: readonly MessageParamT[]): RuleBroken | null {
  const turns: Turn[] = []
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as MessageParamT
    const path = `messages.${i}`
    const mayBeEmpty = i === messages.length - 1 && m.role === 'assistant'
    if (m.content.length === 0 && !mayBeEmpty) {
      return broken(path, 'all messages must have non-empty content except for the optional final assistant message')
    }
    const blank = mayBeEmpty ? trailingSpace(m.content) : blankText(m.content)
    if (blank) return broken('messages', blank)
    if (m.role === 'system') continue
    const prev = turns.at(-1)
    const turn = prev?.role === m.role ? prev : { role: m.role, at: i, uses: [], results: [] }
    if (turn !== prev) turns.push(turn)
    if (typeof m.content === 'string') continue
    for (let j = 0; j < m.content.length; j++) {
      const b = m.content[j] as { type: string; id?: unknown; tool_use_id?: unknown }
      const at = `${path}.content.${j}`
      if (b.type === 'tool_use') {
        if (m.role !== 'assistant') return broken(at, '`tool_use` blocks can only be in `assistant` messages')
        turn.uses.push(String(b.id))
      } else if (b.type === 'tool_result') turn.results.push({ id: String(b.tool_use_id), at })
    }
  }
  for (let t = 0; t < turns.length; t++) {
    const turn = turns[t] as Turn
    const prev = turns[t - 1]
    const asked = new Set(prev?.role === 'assistant' ? prev.uses : [])
    for (const r of turn.results) {
      if (turn.role === 'user' && asked.has(r.id)) continue
      return broken(
        r.at,
        `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${r.id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
      )
    }
    const answered = new Set(turn.results.map((r) => r.id))
    const missing = prev?.role === 'assistant' ? prev.uses.filter((id) => !answered.has(id)) : []
    if (missing.length > 0) {
      return broken(
        `messages.${turn.at}`,
        `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      )
    }
  }
  return null
}

/**
 * `tools` whose names are not unique (custom tools and Anthropic's own, such as `web_search`, share one
 * namespace): Anthropic's 400, in its words as its clients report them (anthropics/claude-code#10687).
 */
export function toolsRule(tools: readonly ToolT[] | null | undefined): RuleBroken | null {
  const names = new Set<string>()
  for (const t of tools ?? []) {
    if (t.name == null) continue
    if (names.has(t.name)) return broken('tools', 'Tool names must be unique.')
    names.add(t.name)
  }
  return null
}

/** Anthropic's words for empty or blank text in a message, which name no index. */
function blankText(content: MessageParamT['content']): string | null {
  const texts =
    typeof content === 'string'
      ? [content]
      : content.flatMap((b) => (b.type === 'text' ? [String((b as { text?: unknown }).text ?? '')] : []))
  if (texts.includes('')) return 'text content blocks must be non-empty'
  if (texts.length > 0 && texts.every((t) => t.trim() === '')) {
    return 'text content blocks must contain non-whitespace text'
  }
  return null
}

/** The prefill's last text, which Anthropic's model continues: it may be empty, but not end in whitespace. */
function trailingSpace(content: MessageParamT['content']): string | null {
  const last = typeof content === 'string' ? { type: 'text', text: content } : content.at(-1)
  const text = last?.type === 'text' ? String((last as { text?: unknown }).text ?? '') : ''
  return /\s$/.test(text) ? 'final assistant content cannot end with trailing whitespace' : null
}

function broken(param: string, detail: string): RuleBroken {
  return { param, message: `${param}: ${detail}` }
}
