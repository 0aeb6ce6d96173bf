/**
 * Anthropic `system` and `messages` → OpenAI chat messages (pure). Throws Refusal naming the block that
 * cannot be translated; see docs/providers.md (Anthropic Messages ingress) for the table.
 * https://docs.anthropic.com/en/api/messages, https://platform.openai.com/docs/api-reference/chat/create
 */

import type { z } from 'zod'
import type { ChatMessage, TextPart, ToolCallT, UserContent } from '../../providers/openai-schema.ts'
import { attachedBelow, attachedFrom } from '../../providers/tool-media.ts'
import { onlyAnthropic, Refusal } from './refusal.ts'
import {
  BLOCK_TYPES,
  type DocumentBlockT,
  type ImageBlockT,
  isKnown,
  type Known,
  type MessageParamT,
  type MessagesRequest,
  type ToolResultBlockT,
} from './request-schema.ts'

type TextPartT = z.infer<typeof TextPart>
type Content = MessageParamT['content']
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>
type Block = ReturnType<typeof known<Exclude<Content, string>[number]>>

const text = (t: string): TextPartT => ({ type: 'text', text: t })
const dataUrl = (mediaType: string, base64: string) => `data:${mediaType};base64,${base64}`
const article = (noun: string) => (/^[aeiou]/.test(noun) ? 'an' : 'a')
const ANTHROPIC_FILE = 'the file is stored with Anthropic, and other providers cannot read it'

/** `b` as one of the types this code translates; a block of another type is refused, by name. */
function known<U extends { type: string }>(b: U, at: string, where = ''): Known<U> & U {
  if (!isKnown(b, BLOCK_TYPES)) {
    const why = `other providers have no ${b.type} block, and Headroom does not translate it`
    throw new Refusal(at, onlyAnthropic(`${article(b.type)} ${b.type} block${where}`, why))
  }
  return b
}

/** A turn's blocks, each as a type this code translates (else refused), with its path for errors. */
function eachBlock(content: Exclude<Content, string>, path: string, visit: (k: Block, at: string) => void): void {
  content.forEach((b, j) => {
    const at = `${path}.content.${j}`
    visit(known(b, at), at)
  })
}

/** The top-level `system` → one system message first (none when empty). */
export function decodeSystem(system: MessagesRequest['system']): ChatMessage[] {
  if (system == null) return []
  const content = typeof system === 'string' ? system : system.filter((b) => b.text !== '').map((b) => text(b.text))
  return content.length > 0 ? [{ role: 'system', content }] : []
}

/** `messages` → chat messages, in order. `warnings` collects what was dropped without changing the answer. */
export function decodeMessages(messages: readonly MessageParamT[], warnings: string[]): ChatMessage[] {
  const out: ChatMessage[] = []
  messages.forEach((m, i) => {
    const path = `messages.${i}`
    const last = i === messages.length - 1
    switch (m.role) {
      case 'system':
        out.push({ role: 'system', content: systemContent(m.content, path) })
        break
      case 'user':
        appendUser(out, userTurn(m.content, path, warnings), messages[i - 1]?.role === 'user')
        break
      case 'assistant': {
        const turn = assistantTurn(m.content, path)
        if (!turn) break
        // Anthropic continues a final assistant text ("prefill"); OpenAI would answer it as a new turn.
        if (last && turn.content) {
          const why = 'other providers answer it as a new turn instead of continuing its text'
          throw new Refusal(path, onlyAnthropic('a final assistant message (prefill)', why))
        }
        const prev = out.at(-1)
        if (prev?.role === 'assistant') mergeInto(prev, turn)
        else out.push(turn)
        break
      }
    }
  })
  return out
}

/**
 * Consecutive assistant messages as one, as Anthropic combines consecutive turns of one role
 * (https://docs.anthropic.com/en/api/messages): OpenAI wants each call's results right after the message
 * that made it, so calls split over two messages would otherwise be refused.
 */
function mergeInto(prev: AssistantMessage, next: AssistantMessage): void {
  const parts = (c: AssistantMessage['content']): TextPartT[] =>
    typeof c === 'string' ? [text(c)] : ((c ?? []) as TextPartT[])
  const content = [...parts(prev.content), ...parts(next.content)]
  prev.content = content.length > 0 ? content : null
  const calls = [...(prev.tool_calls ?? []), ...(next.tool_calls ?? [])]
  if (calls.length > 0) prev.tool_calls = calls
}

/**
 * A user message's translation appended; one that continues the user turn before it (Anthropic merges
 * consecutive turns of one role) puts its tool messages with that turn's, before the user message that
 * carries the earlier results' media, and its own content in that message: OpenAI wants every result
 * right after the calls.
 */
function appendUser(out: ChatMessage[], next: ChatMessage[], sameTurn: boolean): void {
  const prev = out.at(-1)
  const tools = next.filter((m) => m.role === 'tool')
  if (!sameTurn || prev?.role !== 'user' || tools.length === 0) {
    out.push(...next)
    return
  }
  out.splice(-1, 0, ...tools)
  const user = next.find((m) => m.role === 'user')
  if (user) prev.content = [...asParts(prev.content), ...asParts(user.content)]
}

const asParts = (c: string | UserContent[]): UserContent[] => (typeof c === 'string' ? [text(c)] : c)

function systemContent(content: Content, path: string): string | TextPartT[] {
  if (typeof content === 'string') return content
  return content.map((b, j) => {
    if (b.type !== 'text' || !isKnown(b, BLOCK_TYPES)) {
      throw new Refusal(`${path}.content.${j}`, 'only text blocks are allowed in system messages')
    }
    return text(b.text)
  })
}

/**
 * A user turn: its tool results become `tool` messages first (OpenAI wants them right after the calls),
 * then one user message with what they could not carry (their images and documents), then the turn's own
 * blocks. Gemini's converter makes that one user turn of functionResponse, inlineData and text parts.
 */
function userTurn(content: Content, path: string, warnings: string[]): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }]
  const results: ChatMessage[] = []
  const attached: UserContent[] = []
  const parts: UserContent[] = []
  eachBlock(content, path, (k, at) => {
    switch (k.type) {
      case 'text':
        if (k.text !== '') parts.push(text(k.text))
        break
      case 'image':
        parts.push(imagePart(k, at))
        break
      case 'document':
        parts.push(...documentParts(k, at, warnings))
        break
      case 'tool_result': {
        const r = toolMessage(k, at, warnings)
        results.push(r.message)
        if (r.media.length > 0) attached.push(text(attachedFrom(k.tool_use_id)), ...r.media)
        break
      }
      case 'tool_use':
      case 'thinking':
      case 'redacted_thinking':
        throw new Refusal(at, `${k.type} blocks are only allowed in assistant messages`)
      default: {
        const _exhaustive: never = k
      }
    }
  })
  const user = [...attached, ...parts]
  return user.length > 0 ? [...results, { role: 'user', content: user }] : results
}

/**
 * An assistant turn: text, then tool calls (OpenAI has one place for each). Thinking blocks are left out:
 * only Anthropic can read their signatures, and Anthropic itself ignores those of earlier turns.
 * https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */
function assistantTurn(content: Content, path: string): AssistantMessage | null {
  if (typeof content === 'string') return content === '' ? null : { role: 'assistant', content }
  const parts: TextPartT[] = []
  const calls: ToolCallT[] = []
  eachBlock(content, path, (k, at) => {
    switch (k.type) {
      case 'text':
        if (k.text !== '') parts.push(text(k.text))
        break
      case 'tool_use':
        calls.push({ id: k.id, type: 'function', function: { name: k.name, arguments: JSON.stringify(k.input) } })
        break
      case 'thinking':
      case 'redacted_thinking':
        break
      case 'image':
      case 'document':
      case 'tool_result':
        throw new Refusal(at, `${k.type} blocks are only allowed in user messages`)
      default: {
        const _exhaustive: never = k
      }
    }
  })
  if (parts.length === 0 && calls.length === 0) return null
  const turn: AssistantMessage = { role: 'assistant', content: parts.length > 0 ? parts : null }
  if (calls.length > 0) turn.tool_calls = calls
  return turn
}

function imagePart(b: ImageBlockT, at: string): UserContent {
  const s = b.source
  switch (s.type) {
    case 'base64':
      return { type: 'image_url', image_url: { url: dataUrl(s.media_type, s.data) } }
    case 'url':
      return { type: 'image_url', image_url: { url: s.url } }
    case 'file':
      throw new Refusal(`${at}.source`, onlyAnthropic("an image from Anthropic's Files API (file_id)", ANTHROPIC_FILE))
  }
}

/**
 * A PDF becomes a file part (its title the file name); a plain-text or content document, its text and
 * images. A title or context that has nowhere to go, and citations (which only Anthropic produces), are
 * reported. https://docs.anthropic.com/en/docs/build-with-claude/pdf-support
 */
function documentParts(b: DocumentBlockT, at: string, warnings: string[]): UserContent[] {
  const s = b.source
  if (b.citations?.enabled) warnings.push(`${at}: citations were not requested (only Anthropic produces them)`)
  const lost = (what: string) =>
    warnings.push(`${at}: the document's ${what} was not sent (it has no place in a chat message)`)
  if (b.context != null && b.context !== '') lost('context')
  switch (s.type) {
    case 'base64':
      return [{ type: 'file', file: { filename: b.title || 'document.pdf', file_data: dataUrl(s.media_type, s.data) } }]
    case 'text':
      if (b.title) lost('title')
      return s.data === '' ? [] : [text(s.data)]
    case 'content': {
      if (b.title) lost('title')
      if (typeof s.content === 'string') return s.content === '' ? [] : [text(s.content)]
      return s.content.flatMap((c, k): UserContent[] => {
        const cat = `${at}.source.content.${k}`
        const block = known(c, cat)
        if (block.type === 'image') return [imagePart(block, cat)]
        return block.text === '' ? [] : [text(block.text)]
      })
    }
    case 'url':
      throw new Refusal(
        `${at}.source`,
        onlyAnthropic(
          'a document by URL',
          'other providers take a PDF only as data in the request (Headroom does not fetch URLs)',
        ),
      )
    case 'file':
      throw new Refusal(
        `${at}.source`,
        onlyAnthropic("a document from Anthropic's Files API (file_id)", ANTHROPIC_FILE),
      )
  }
}

/**
 * A tool result → a `tool` message, and the media it holds. OpenAI's tool messages take text only
 * (https://platform.openai.com/docs/api-reference/chat/create, tool message `content`), so an image or a
 * document (Claude Code's Read of a picture or a PDF) is named there and moved to the user message that
 * follows the turn's tool messages. `is_error` has no field there: the content says so ("Error: …").
 */
function toolMessage(
  b: ToolResultBlockT,
  at: string,
  warnings: string[],
): { message: ChatMessage; media: UserContent[] } {
  const texts: TextPartT[] = []
  const media: UserContent[] = []
  /** `parts` split: text stays in the tool message, the rest moves, named where it stood. */
  const move = (what: string, parts: UserContent[]) => {
    const moved = parts.filter((p) => p.type !== 'text')
    texts.push(...parts.filter((p) => p.type === 'text'))
    if (moved.length > 0) texts.push(text(attachedBelow(what)))
    media.push(...moved)
  }
  if (Array.isArray(b.content))
    b.content.forEach((c, k) => {
      const cat = `${at}.content.${k}`
      const t = known(c, cat, ' in a tool result')
      switch (t.type) {
        case 'text':
          if (t.text !== '') texts.push(text(t.text))
          break
        case 'image':
          move('image', [imagePart(t, cat)])
          break
        case 'document':
          move(t.title ? `document ${JSON.stringify(t.title)}` : 'document', documentParts(t, cat, warnings))
          break
        default: {
          const _exhaustive: never = t
        }
      }
    })
  let content: string | TextPartT[] = texts
  if (typeof b.content === 'string' || b.content == null) content = b.content ?? ''
  else if (media.length > 0) content = texts.map((p) => p.text).join('\n')
  if (b.is_error) {
    const said = typeof content === 'string' ? content : content.map((p) => p.text).join('')
    content = `Error: ${said}`.trimEnd()
  }
  return { message: { role: 'tool', tool_call_id: b.tool_use_id, content }, media }
}
