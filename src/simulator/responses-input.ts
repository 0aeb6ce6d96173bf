/**
 * The Responses API's `input` (https://platform.openai.com/docs/api-reference/responses/create#input):
 * a string, or a list of items — messages (with input_text / input_image / input_file parts, or the
 * assistant's output_text), function_call and function_call_output, reasoning, and the built-in tools'
 * items, and `item_reference`s to output items it holds — validated with the real API's words and reduced to
 * conversation items.
 */
import { parseDataUrl, sniffImage } from './images.ts'
import { badType, badValue, unsupportedImage } from './openai-errors.ts'
import { invalid, missing } from './openai-request.ts'
import type { ConvItem } from './responses-store.ts'
import { isObj, type Obj, str } from './values.ts'
import type { ErrorOut } from './wire.ts'

/** Every item type the API takes as input (openai 6.49 `ResponseInputItem`). */
const ITEM_TYPES = [
  'message',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'web_search_call',
  'function_call',
  'function_call_output',
  'tool_search_call',
  'tool_search_output',
  'additional_tools',
  'reasoning',
  'compaction',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call_output',
  'custom_tool_call',
  'compaction_trigger',
  'item_reference',
  'program',
  'program_output',
]
const ITEM_TYPE_SET = new Set(ITEM_TYPES)
const ROLES = ['assistant', 'system', 'developer', 'user']
const PART_TYPES = ['input_text', 'input_image', 'input_file', 'input_audio', 'output_text', 'refusal']
const INPUT_PARTS = ['input_text', 'input_image', 'input_file']
const OUTPUT_PARTS = ['output_text', 'refusal']
const MESSAGE_KEYS = new Set(['type', 'role', 'content', 'id', 'status'])

const unknownParam = (p: string) => invalid(`Unknown parameter: '${p}'.`, p, 'unknown_parameter')

/** Text, images and identity of a message's content. */
interface Content {
  text: string
  images: number
  keys: string
}

function readContent(v: unknown, at: string, role: string, out: Content): ErrorOut | null {
  if (typeof v === 'string') {
    out.text += v
    return null
  }
  if (!Array.isArray(v)) return badType(at, 'one of a string or array of input content items', v)
  const allowed = role === 'assistant' ? OUTPUT_PARTS : INPUT_PARTS
  for (let j = 0; j < v.length; j++) {
    const part: unknown = v[j]
    const pp = `${at}[${j}]`
    if (!isObj(part)) return badType(pp, 'an object', part)
    const type = str(part['type']) ?? ''
    if (!PART_TYPES.includes(type)) return badValue(`${pp}.type`, type, PART_TYPES)
    if (!allowed.includes(type)) return badValue(pp, type, allowed)
    if (type === 'input_text' || type === 'output_text') {
      const t = str(part['text'])
      if (t === undefined) return missing(`${pp}.text`)
      out.text += (out.text && !out.text.endsWith('\n') ? '\n' : '') + t
    } else if (type === 'refusal') {
      out.text += str(part['refusal']) ?? ''
    } else if (type === 'input_image') {
      const url = str(part['image_url'])
      const data = url === undefined ? null : parseDataUrl(url)
      if (data && sniffImage(data.data) === null) return unsupportedImage()
      if (url === undefined && str(part['file_id']) === undefined) return missing(`${pp}.image_url`)
      out.images++
      out.keys += url ?? str(part['file_id'])
    } else {
      // Files (and audio) are counted like images.
      out.images++
      out.keys += JSON.stringify(part)
    }
  }
  return null
}

function readMessage(it: Obj, at: string): ConvItem | ErrorOut {
  const role = it['role']
  if (typeof role !== 'string' || !ROLES.includes(role)) return badValue(at, str(role) ?? '', ROLES)
  for (const k in it) {
    // `phase` marks the assistant's own output items when they are handed back.
    if (!MESSAGE_KEYS.has(k) && !(k === 'phase' && role === 'assistant')) return unknownParam(`${at}.${k}`)
  }
  if (it['content'] === undefined || it['content'] === null) return missing(`${at}.content`)
  const c = { text: '', images: 0, keys: '' }
  const e = readContent(it['content'], `${at}.content`, role, c)
  if (e) return e
  return { kind: 'message', role, ...c }
}

/** A function_call_output's `output`: a string, or content parts whose text is read. */
function outputText(v: unknown): string {
  if (typeof v === 'string') return v
  if (!Array.isArray(v)) return ''
  return v.map((p) => (isObj(p) ? (str(p['text']) ?? '') : '')).join('\n')
}

/** An output item the simulator holds by id: undefined when it holds none (README "State"). */
export type ItemLookup = (id: string) => ConvItem | null | undefined

function readItem(it: unknown, at: string, lookup: ItemLookup): ConvItem | null | ErrorOut {
  if (!isObj(it)) return badType(at, 'an input item', it)
  const type = it['type'] ?? (it['role'] !== undefined ? 'message' : undefined)
  if (typeof type !== 'string' || !ITEM_TYPE_SET.has(type)) return badValue(at, str(type) ?? '', ITEM_TYPES)
  switch (type) {
    case 'message':
      return readMessage(it, at)
    case 'function_call': {
      const [callId, name, args] = [str(it['call_id']), str(it['name']), str(it['arguments'])]
      if (callId === undefined) return missing(`${at}.call_id`)
      if (name === undefined) return missing(`${at}.name`)
      if (args === undefined) return missing(`${at}.arguments`)
      return { kind: 'call', callId, name, args }
    }
    case 'function_call_output': {
      if (typeof it['call_id'] !== 'string') return missing(`${at}.call_id`)
      if (it['output'] === undefined || it['output'] === null) return missing(`${at}.output`)
      return { kind: 'output', callId: it['call_id'], text: outputText(it['output']) }
    }
    case 'item_reference': {
      const id = str(it['id'])
      if (id === undefined) return missing(`${at}.id`)
      const held = lookup(id)
      // The real API's 404 (its param and code are not documented: assumed as for previous_response_id).
      if (held === undefined) return invalid(`Item with id '${id}' not found.`, 'input', null, 404)
      return held
    }
    case 'reasoning':
      // The model's own reasoning handed back: kept by the real API between turns, not counted here.
      return null
    default:
      return { kind: 'other', json: JSON.stringify(it) }
  }
}

/** `input` as conversation items (a string is one user message). */
export function readInput(input: unknown, lookup: ItemLookup): ConvItem[] | ErrorOut {
  if (typeof input === 'string') return [{ kind: 'message', role: 'user', text: input, images: 0, keys: '' }]
  if (!Array.isArray(input)) return badType('input', 'one of a string or array of input items', input)
  const out: ConvItem[] = []
  for (let i = 0; i < input.length; i++) {
    const item = readItem(input[i], `input[${i}]`, lookup)
    if (item === null) continue
    if ('status' in item) return item
    out.push(item)
  }
  return out
}

/**
 * Function calls and their outputs must pair up across the whole conversation, previous responses
 * included: an output needs an earlier call with its call_id, and a call needs an output.
 */
export function checkCalls(items: readonly ConvItem[]): { names: Map<string, string> } | ErrorOut {
  const names = new Map<string, string>()
  const answered = new Set<string>()
  for (const it of items) {
    if (it.kind === 'call') names.set(it.callId, it.name)
    else if (it.kind === 'output') {
      if (!names.has(it.callId)) {
        return invalid(`No tool call found for function call output with call_id ${it.callId}.`, 'input')
      }
      answered.add(it.callId)
    }
  }
  for (const id of names.keys()) {
    if (!answered.has(id)) return invalid(`No tool output found for function call ${id}.`, 'input')
  }
  return { names }
}
