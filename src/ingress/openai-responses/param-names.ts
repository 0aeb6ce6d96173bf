/**
 * A parameter of the translated chat-completions request → the one the client sent in its Responses body,
 * so that an error a target's adapter raises (`messages[1].content[0].image_url.url`) names what the client
 * can find (`input[0].content[0].image_url`). Each chat message remembers where it came from (convert-input.ts):
 * `instructions`, the string `input`, or an item of `input`; an assistant message's tool calls, each its
 * `function_call` item. A name with no Responses counterpart is left as it is.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create
 */

/** The path of what the server put in `input` from the response `previous_response_id` names. */
export const CARRIED = 'previous_response_id'

/** Where one chat message came from in the Responses body. */
export interface MessageSource {
  /** Its path: `instructions`, `input`, `input[3]`. */
  readonly path: string
  /** Text only (instructions, a string input): the whole message is the path, parts and all. */
  readonly whole?: true
  /** A tool message: its content is the item's `output`. */
  readonly output?: true
  /** An assistant message's tool calls: each one's `function_call` item. */
  readonly calls?: string[]
}

type Renames = ReadonlyArray<readonly [RegExp, string]>

/** Top-level chat names, and where the Responses API keeps the same thing. */
const TOP: Renames = [
  [/^messages$/, 'input'],
  [/^max_(?:completion_)?tokens(?![\w])/, 'max_output_tokens'],
  [/^reasoning_effort(?![\w])/, 'reasoning.effort'],
  [/^response_format(?:\.json_schema)?(?![\w])/, 'text.format'],
  [/^(tools\[\d+\])\.function(?![\w])/, '$1'],
  [/^tool_choice\.function(?![\w])/, 'tool_choice'],
]

/** Within a content part: chat nests what the Responses API keeps flat. */
const PART: Renames = [
  [/^\.image_url\.url(?![\w])/, '.image_url'],
  [/^\.image_url\.detail(?![\w])/, '.detail'],
  [/^\.file\.(\w+)/, '.$1'],
  [/^\.file(?![\w])/, ''],
]

/** Within a tool call: chat's `function.name` and `id` are the item's `name` and `call_id`. */
const CALL: Renames = [
  [/^\.function(?![\w])/, ''],
  [/^\.id(?![\w])/, '.call_id'],
]

const MESSAGE = /^messages\[(\d+)\]/
const TOOL_CALL = /^\.tool_calls\[(\d+)\]/
const CONTENT = /^\.content(\[\d+\])?/

function rename(s: string, table: Renames): string {
  for (const [from, to] of table) if (from.test(s)) return s.replace(from, to)
  return s
}

/** The Responses name of a chat-completions parameter of the request these messages were made into. */
export function responsesParam(param: string, sources: readonly MessageSource[]): string {
  const m = MESSAGE.exec(param)
  if (m === null) return rename(param, TOP)
  const source = sources[Number(m[1])]
  if (source === undefined) return param
  const rest = param.slice(m[0].length)
  const call = TOOL_CALL.exec(rest)
  if (call !== null) {
    const at = source.calls?.[Number(call[1])]
    if (at === undefined) return param
    return at === CARRIED ? at : at + rename(rest.slice(call[0].length), CALL)
  }
  if (source.whole) return source.path
  const content = CONTENT.exec(rest)
  if (content === null) return source.path + rest
  const field = source.output ? '.output' : '.content'
  return source.path + field + (content[1] ?? '') + rename(rest.slice(content[0].length), PART)
}
