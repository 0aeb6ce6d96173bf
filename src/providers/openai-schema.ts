/**
 * The OpenAI Chat Completions wire format: the request body Headroom accepts (zod, validated at the
 * server boundary) and the response / chunk shapes every adapter produces.
 *
 * Unknown fields are tolerated everywhere (clients send new parameters before we know them, and the
 * OpenAI adapter forwards them); fields we know are checked for type and for OpenAI's documented limits
 * on each (ranges, lengths, name patterns, the part types each role takes), so that a body OpenAI would
 * refuse is a 400 naming the field, whatever the target. How fields go together is checked after
 * (server/openai-rules.ts). `null` is accepted wherever OpenAI accepts it for an optional field (several
 * clients send `"stop": null`, `"temperature": null`).
 * Reference: https://platform.openai.com/docs/api-reference/chat/create
 */
import { z } from 'zod'

const nullish = <T extends z.ZodType>(t: T) => t.nullish()

/**
 * An array, named the way OpenAI's type errors name it ("expected an array of objects"): the name rides
 * on the message, which the server's validation reads (server/validate.ts).
 */
const arrayOf = <T extends z.ZodType>(item: T, of: string) =>
  z.array(item, { error: (i) => (i.code === 'invalid_type' ? `array of ${of}` : undefined) })

/** Marks a range issue as an integer's: OpenAI says "integer above maximum value" there, "decimal" elsewhere. */
export const INTEGER_RANGE = 'integer'
const integer = (min: number, max?: number) => {
  const s = z.int().min(min, { error: INTEGER_RANGE })
  return max === undefined ? s : s.max(max, { error: INTEGER_RANGE })
}

/** Function and json_schema names: "a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64". */
const NAME_PATTERN = /^[a-zA-Z0-9_-]+$/
const name64 = () => z.string().min(1).max(64).regex(NAME_PATTERN)

/**
 * A message's content as one string: OpenAI takes at most 1,048,576 characters (its 400 says "string too
 * long. Expected a string with maximum length 1048576"); Gemini would take more.
 */
const MAX_CONTENT_STRING = 1_048_576
const contentString = z.string().max(MAX_CONTENT_STRING)

export const TextPart = z.looseObject({ type: z.literal('text'), text: z.string() })
const ImagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({
    url: z.string().min(1),
    detail: nullish(z.enum(['auto', 'low', 'high'])),
  }),
})
const AudioPart = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
})
const FilePart = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({
    file_id: nullish(z.string()),
    file_data: nullish(z.string()),
    filename: nullish(z.string()),
  }),
})
const RefusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() })

// The part types each role takes; any other is a 400 naming the types that are (OpenAI's "Supported values are: …").
const TextOnlyPart = z.discriminatedUnion('type', [TextPart])
const UserContentPart = z.discriminatedUnion('type', [TextPart, ImagePart, AudioPart, FilePart])
const AssistantContentPart = z.discriminatedUnion('type', [TextPart, RefusalPart])

const ToolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function').default('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
})

const SystemMessage = z.looseObject({
  role: z.enum(['system', 'developer']),
  content: z.union([contentString, arrayOf(TextOnlyPart, 'objects')]),
  name: nullish(z.string()),
})
const UserMessage = z.looseObject({
  role: z.literal('user'),
  content: z.union([contentString, arrayOf(UserContentPart, 'objects')]),
  name: nullish(z.string()),
})
const AssistantMessage = z.looseObject({
  role: z.literal('assistant'),
  content: nullish(z.union([contentString, arrayOf(AssistantContentPart, 'objects')])),
  refusal: nullish(z.string()),
  name: nullish(z.string()),
  tool_calls: nullish(arrayOf(ToolCall, 'objects')),
})
const ToolMessage = z.looseObject({
  role: z.literal('tool'),
  content: z.union([contentString, arrayOf(TextOnlyPart, 'objects')]),
  tool_call_id: z.string(),
})

const Message = z.discriminatedUnion('role', [SystemMessage, UserMessage, AssistantMessage, ToolMessage])

const FunctionDefinition = z.looseObject({
  name: name64(),
  description: nullish(z.string()),
  parameters: nullish(z.record(z.string(), z.unknown())),
  strict: nullish(z.boolean()),
})
const Tool = z.looseObject({ type: z.literal('function'), function: FunctionDefinition })

const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
])

// In the order OpenAI lists them in its error for an unknown type.
const ResponseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: name64(),
      description: nullish(z.string()),
      schema: nullish(z.record(z.string(), z.unknown())),
      strict: nullish(z.boolean()),
    }),
  }),
  z.looseObject({ type: z.literal('text') }),
])

export const ChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: arrayOf(Message, 'objects').min(1),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({ include_usage: nullish(z.boolean()) })),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  max_tokens: nullish(integer(1)),
  max_completion_tokens: nullish(integer(1)),
  // At most 4 sequences: a count, checked with OpenAI's other counts (server/openai-rules.ts).
  stop: nullish(z.union([z.string(), arrayOf(z.string(), 'strings')])),
  n: nullish(integer(1, 128)),
  seed: nullish(z.int()),
  user: nullish(z.string()),
  tools: nullish(arrayOf(Tool, 'objects').min(1)),
  tool_choice: nullish(ToolChoice),
  parallel_tool_calls: nullish(z.boolean()),
  response_format: nullish(ResponseFormat),
  frequency_penalty: nullish(z.number().min(-2).max(2)),
  presence_penalty: nullish(z.number().min(-2).max(2)),
  logprobs: nullish(z.boolean()),
  top_logprobs: nullish(integer(0, 20)),
  // Keys are token ids, checked with the rules (OpenAI's own wording for a bad key).
  logit_bias: nullish(z.record(z.string(), z.number().min(-100).max(100))),
  // At most 16 pairs, keys up to 64 characters: checked with the rules.
  metadata: nullish(z.record(z.string(), z.string().max(512))),
  reasoning_effort: nullish(z.string()),
})

export type ChatRequest = z.infer<typeof ChatRequestSchema>
export type ChatMessage = z.infer<typeof Message>
export type UserContent = z.infer<typeof UserContentPart>
export type ToolCallT = z.infer<typeof ToolCall>
export type ToolDef = z.infer<typeof Tool>

/**
 * An Anthropic client's thinking budget in tokens (`thinking.budget_tokens`), next to the `reasoning_effort`
 * it becomes: a provider that takes a budget too (Gemini 2.5) is sent the client's own. A hidden symbol
 * property (see withThinkingBudget), so that it is never serialised into a request that passes on as it is
 * (an OpenAI-compatible upstream) and the request still equals its JSON.
 */
export const THINKING_BUDGET: unique symbol = Symbol('headroom.thinkingBudget')
export type WithThinkingBudget = ChatRequest & { readonly [THINKING_BUDGET]?: number }

export function withThinkingBudget(req: ChatRequest, budget: number): WithThinkingBudget {
  return Object.defineProperty(req, THINKING_BUDGET, { value: budget, enumerable: false })
}

// ---------------------------------------------------------------------------------------------
// What adapters produce. Plain interfaces: these are built by our code, never parsed from outside.

/**
 * An adapter whose upstream already speaks OpenAI (completions and chunks) may attach the exact JSON
 * text it parsed the object from. The server then writes those bytes instead of serialising the object
 * again — valid only while the object is unchanged, so an adapter attaches it only when it changed nothing.
 */
export const RAW_JSON: unique symbol = Symbol('headroom.rawJson')

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens: number; audio_tokens?: number }
  completion_tokens_details?: { reasoning_tokens: number; [k: string]: number }
}

export interface ChatCompletionMessage {
  role: 'assistant'
  content: string | null
  refusal: string | null
  tool_calls?: ToolCallT[]
  [k: string]: unknown
}

export interface ChatCompletion {
  /** See RAW_JSON: the upstream's exact bytes, when the object was not changed. */
  [RAW_JSON]?: string
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: Array<{
    index: number
    message: ChatCompletionMessage
    finish_reason: FinishReason | null
    logprobs: unknown
  }>
  usage?: Usage
  system_fingerprint?: string | null
  [k: string]: unknown
}

export interface ChunkToolCallDelta {
  index: number
  id?: string
  type?: 'function'
  function?: { name?: string; arguments?: string }
}

export interface ChunkDelta {
  role?: 'assistant'
  content?: string | null
  refusal?: string | null
  tool_calls?: ChunkToolCallDelta[]
  [k: string]: unknown
}

export interface ChatChunk {
  [RAW_JSON]?: string
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: Array<{ index: number; delta: ChunkDelta; finish_reason: FinishReason | null; logprobs?: unknown }>
  /** Present (non-null) only on the final usage chunk, whose `choices` is empty. */
  usage?: Usage | null
  system_fingerprint?: string | null
  [k: string]: unknown
}

/** The OpenAI error body: all four keys always present. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/** Text of a message's content, whether a string or an array of text parts. */
export function contentText(
  content: string | ReadonlyArray<{ type: string; text?: string }> | null | undefined,
): string {
  if (content == null) return ''
  if (typeof content === 'string') return content
  let out = ''
  for (const p of content) if (p.type === 'text' && typeof p.text === 'string') out += p.text
  return out
}

/** The output token cap a request asks for: `max_completion_tokens` wins over the deprecated `max_tokens`. */
export function maxOutputTokens(req: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>): number | undefined {
  return req.max_completion_tokens ?? req.max_tokens ?? undefined
}

/** `stop` as an array (OpenAI accepts a string or an array). */
export function stopSequences(stop: ChatRequest['stop']): string[] {
  if (stop == null) return []
  return typeof stop === 'string' ? [stop] : stop
}

/** The choices' `finish_reason`s that are set (a completion's, or a chunk's), in order. */
export function choiceFinishReasons(choices: ReadonlyArray<{ readonly finish_reason: string | null }>): string[] {
  const out: string[] = []
  for (const ch of choices) if (typeof ch.finish_reason === 'string') out.push(ch.finish_reason)
  return out
}
