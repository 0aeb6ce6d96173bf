/**
 * The Responses API's `instructions` and `input` → chat-completions `messages`.
 *
 * `instructions` becomes the first, system, message; a string `input` one user message. Items:
 * - message items (role user / assistant / system / developer) → a message of that role, parts translated;
 * - `function_call` items → `tool_calls` of an assistant message: consecutive calls, and calls right after an
 *   assistant message item, share one assistant message (the Responses API lists one chat turn as items);
 * - `function_call_output` → a `tool` message; every call must be answered before the next turn, and every
 *   output must answer a call, as OpenAI requires (its words: "No tool output found for function call …").
 *   Its images and files go to one user message after the turn's outputs (providers/tool-media.ts);
 * - `reasoning` items are dropped, with a warning (none for those `previous_response_id` carries): chat
 *   completions carry no reasoning between turns;
 * - anything else (`item_reference`, built-in tool calls) is a 400 naming the item.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create#responses-create-input
 */

import { ApiError } from '../../lib/api-error.ts'
import type { ChatMessage, ToolCallT, UserContent } from '../../providers/openai-schema.ts'
import { attachedBelow, attachedFrom } from '../../providers/tool-media.ts'
import { paramName } from '../openai-wording.ts'
import { missing, parseAt, unsupported } from './describe-issue.ts'
import { CARRIED, type MessageSource } from './param-names.ts'
import {
  type ContentPartT,
  FunctionCallItem,
  FunctionCallOutputItem,
  MessageItem,
  type MessageItemT,
} from './request-schema.ts'

type Path = ReadonlyArray<PropertyKey>
type TextPart = { type: 'text'; text: string }
type AssistantPart = TextPart | { type: 'refusal'; refusal: string }

const ITEM_TYPES = 'message, function_call, function_call_output and reasoning items'
const STATELESS = 'Headroom keeps no items (routes.yaml server.responses.retention_s is 0); send the item itself'
const ORIGINAL_DETAIL = "input_image detail 'original' was sent as 'high' (chat completions have no 'original')"

/** The function calls of the current assistant turn, and those not answered yet. */
interface ToolTurn {
  calls: Set<string>
  pending: string[]
}

export interface ConvertedInput {
  messages: ChatMessage[]
  /** Where each message came from in the body (param-names.ts), index for index. */
  sources: MessageSource[]
  warnings: string[]
}

/**
 * Throws the 400 (ApiError) for an item Headroom cannot translate or OpenAI would refuse. `carried`: how many
 * leading items came from the response `previous_response_id` names (the server put them there), whose
 * messages are that parameter's.
 */
export function convertInput(
  input: string | ReadonlyArray<{ type?: string | undefined }>,
  instructions: string | null | undefined,
  carried = 0,
): ConvertedInput {
  const messages: ChatMessage[] = []
  const sources: MessageSource[] = []
  const warnings: string[] = []
  if (instructions != null) {
    messages.push({ role: 'system', content: instructions })
    sources.push({ path: 'instructions', whole: true })
  }
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input })
    sources.push({ path: 'input', whole: true })
    return { messages, sources, warnings }
  }
  let turn: ToolTurn = { calls: new Set(), pending: [] }
  let reasoning = 0
  // The media of the outputs just read, and where the first of them is: one user message after the outputs.
  let media: { parts: UserContent[]; source: MessageSource } | null = null
  for (let i = 0; i < input.length; i++) {
    const raw = input[i]!
    const at = ['input', i]
    const path = i < carried ? CARRIED : paramName(at)
    const whole = i < carried ? ({ whole: true } as const) : {}
    const type = raw.type ?? 'message'
    if (media !== null && type !== 'function_call_output') {
      messages.push({ role: 'user', content: media.parts })
      sources.push(media.source)
      media = null
    }
    if (type === 'reasoning') {
      // One carried from a kept response is Headroom's own summary (reasoning.summary): nothing the client sent.
      if (i >= carried) reasoning++
      continue
    }
    if (type === 'function_call') {
      const item = parseAt(FunctionCallItem, raw, at)
      const fn = { name: item.name, arguments: item.arguments }
      const call: ToolCallT = { id: item.call_id, type: 'function', function: fn }
      const last = messages[messages.length - 1]
      if (last?.role === 'assistant') {
        last.tool_calls = [...(last.tool_calls ?? []), call]
        const source = sources[sources.length - 1]!
        sources[sources.length - 1] = { ...source, calls: [...(source.calls ?? []), path] }
      } else {
        // A new assistant turn: the last one's calls must all have been answered.
        answered(turn)
        turn = { calls: new Set(), pending: [] }
        messages.push({ role: 'assistant', content: null, tool_calls: [call] })
        sources.push({ path, calls: [path], ...whole })
      }
      turn.calls.add(item.call_id)
      turn.pending.push(item.call_id)
      continue
    }
    if (type === 'function_call_output') {
      const item = parseAt(FunctionCallOutputItem, raw, at)
      if (!turn.calls.has(item.call_id)) {
        const message = `No tool call found for function call output with call_id ${item.call_id}.`
        throw new ApiError(400, message, null, 'input')
      }
      turn.pending = turn.pending.filter((id) => id !== item.call_id)
      const out = toolOutput(item.output, [...at, 'output'], warnings)
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: out.content })
      sources.push({ path, output: true, ...whole })
      if (out.media.length > 0) {
        media ??= { parts: [], source: { path, whole: true } }
        media.parts.push({ type: 'text', text: attachedFrom(item.call_id) }, ...out.media)
      }
      continue
    }
    if (type === 'item_reference') throw unsupported(paramName(at), `item_reference: ${STATELESS}`)
    if (type !== 'message') {
      const why = `items of type '${type}': Headroom translates ${ITEM_TYPES} to chat completions`
      throw unsupported(paramName([...at, 'type']), why, 'unsupported_value')
    }
    answered(turn)
    turn = { calls: new Set(), pending: [] }
    messages.push(convertMessage(parseAt(MessageItem, raw, at), at, warnings))
    sources.push({ path, ...whole })
  }
  if (media !== null) {
    messages.push({ role: 'user', content: media.parts })
    sources.push(media.source)
  }
  answered(turn)
  if (reasoning > 0) warnings.push(`input: ${reasoning} reasoning item(s) not sent (chat completions take none)`)
  return { messages, sources, warnings }
}

function answered(turn: ToolTurn): void {
  const first = turn.pending[0]
  if (first !== undefined) throw new ApiError(400, `No tool output found for function call ${first}.`, null, 'input')
}

function convertMessage(item: MessageItemT, at: Path, warnings: string[]): ChatMessage {
  const { role, content } = item
  const parts = typeof content === 'string' ? null : content
  const partAt = (k: number) => [...at, 'content', k]
  switch (role) {
    case 'user':
      return { role, content: parts?.map((p, k) => userPart(p, partAt(k), warnings)) ?? (content as string) }
    case 'system':
    case 'developer':
      return { role, content: parts?.map((p, k) => textPart(p, partAt(k), `${role} message`)) ?? (content as string) }
    case 'assistant':
      return { role, content: parts?.map((p, k) => assistantPart(p, partAt(k))) ?? (content as string) }
  }
}

/** A part that only text can be (system and developer messages, tool results). */
function textPart(p: ContentPartT, at: Path, where: string): TextPart {
  if (p.type === 'input_text' || p.type === 'output_text') return { type: 'text', text: p.text }
  const why = `'${p.type}' in a ${where}: chat completions take text only there`
  throw unsupported(paramName([...at, 'type']), why, 'unsupported_value')
}

function assistantPart(p: ContentPartT, at: Path): AssistantPart {
  if (p.type === 'refusal') return { type: 'refusal', refusal: p.refusal }
  return textPart(p, at, 'assistant message')
}

function userPart(p: ContentPartT, at: Path, warnings: string[]): UserContent {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: p.text }
    case 'input_image': {
      if (p.image_url == null) {
        if (p.file_id == null) throw missing(paramName([...at, 'image_url']))
        const why = 'chat completions take images by URL; send image_url (an https: or data: URL)'
        throw unsupported(paramName([...at, 'file_id']), why)
      }
      let detail = p.detail ?? undefined
      if (detail === 'original') {
        detail = 'high'
        if (!warnings.includes(ORIGINAL_DETAIL)) warnings.push(ORIGINAL_DETAIL)
      }
      const url = p.image_url
      return { type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } }
    }
    case 'input_file': {
      if (p.file_url != null) {
        const why = 'chat completions take files by file_id or file_data; send one of those'
        throw unsupported(paramName([...at, 'file_url']), why)
      }
      const file: { file_id?: string; file_data?: string; filename?: string } = {}
      if (p.file_id != null) file.file_id = p.file_id
      if (p.file_data != null) file.file_data = p.file_data
      if (p.filename != null) file.filename = p.filename
      return { type: 'file', file }
    }
    case 'refusal': {
      const why = "'refusal' in a user message: only assistant messages hold one"
      throw unsupported(paramName([...at, 'type']), why, 'unsupported_value')
    }
  }
}

/**
 * A function call's output: a string, or parts. A tool message takes text only, so images and files are
 * returned apart, a note left where each stood.
 */
function toolOutput(
  output: string | ContentPartT[],
  at: Path,
  warnings: string[],
): { content: string | TextPart[]; media: UserContent[] } {
  if (typeof output === 'string') return { content: output, media: [] }
  const texts: TextPart[] = []
  const media: UserContent[] = []
  output.forEach((p, k) => {
    if (p.type !== 'input_image' && p.type !== 'input_file') {
      texts.push(textPart(p, [...at, k], 'function_call_output'))
      return
    }
    const part = userPart(p, [...at, k], warnings)
    const what = p.type === 'input_image' ? 'image' : p.filename ? `file ${JSON.stringify(p.filename)}` : 'file'
    texts.push({ type: 'text', text: attachedBelow(what) })
    media.push(part)
  })
  if (media.length === 0) return { content: texts, media }
  return { content: texts.map((p) => p.text).join('\n'), media }
}
