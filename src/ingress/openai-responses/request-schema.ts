/**
 * The body of `POST /v1/responses` (OpenAI's Responses API), as far as Headroom reads it: loose objects
 * (unknown fields are tolerated, and reported by the decoder), each known field checked for its type and
 * OpenAI's documented limits, so that a body OpenAI would refuse is a 400 naming the field.
 *
 * `input` items and `tools` are checked one by one by the decoder (decode-request.ts), which dispatches on
 * their `type` (a message item may omit it) and names unsupported types itself.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create
 */
import { z } from 'zod'
import { REASONING_EFFORTS } from '../../providers/reasoning-effort.ts'
import { INTEGER } from './describe-issue.ts'

const nullish = <T extends z.ZodType>(t: T) => t.nullish()
const integer = (min: number, max?: number) => {
  const s = z.int().min(min, { error: INTEGER })
  return max === undefined ? s : s.max(max, { error: INTEGER })
}

/** Function and json_schema names: "a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64". */
const name64 = () =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z0-9_-]+$/)

// Content parts of a message item. Text parts of either direction are read as text (clients replaying
// history send assistant turns as `output_text`, some send them as `input_text`).
const InputText = z.looseObject({ type: z.literal('input_text'), text: z.string() })
const OutputText = z.looseObject({ type: z.literal('output_text'), text: z.string() })
const InputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: nullish(z.string().min(1)),
  file_id: nullish(z.string()),
  detail: nullish(z.enum(['low', 'high', 'auto', 'original'])),
})
const InputFile = z.looseObject({
  type: z.literal('input_file'),
  file_id: nullish(z.string()),
  file_data: nullish(z.string()),
  file_url: nullish(z.string()),
  filename: nullish(z.string()),
})
const Refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() })

const ContentPart = z.discriminatedUnion('type', [InputText, InputImage, InputFile, OutputText, Refusal])
export type ContentPartT = z.infer<typeof ContentPart>

export const MessageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(ContentPart)]),
})
export type MessageItemT = z.infer<typeof MessageItem>

export const FunctionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
})

export const FunctionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(ContentPart)]),
})

export const FunctionTool = z.looseObject({
  type: z.literal('function'),
  name: name64(),
  description: nullish(z.string()),
  parameters: nullish(z.record(z.string(), z.unknown())),
  strict: nullish(z.boolean()),
})

const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.string(), name: nullish(z.string()) }),
])

// In the order OpenAI lists them in its error for an unknown type.
const TextFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: name64(),
    schema: z.record(z.string(), z.unknown()),
    description: nullish(z.string()),
    strict: nullish(z.boolean()),
  }),
  z.looseObject({ type: z.literal('json_object') }),
])

/** An item of `input`, before the decoder reads it by its type. */
const Item = z.looseObject({ type: z.string().optional() })

export const ResponseCreateBody = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(Item)]),
  instructions: nullish(z.string()),
  tools: nullish(z.array(z.looseObject({ type: z.string() }))),
  tool_choice: nullish(ToolChoice),
  parallel_tool_calls: nullish(z.boolean()),
  // The Responses API's floor: "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16".
  max_output_tokens: nullish(integer(16)),
  max_tool_calls: nullish(integer(1)),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  top_logprobs: nullish(integer(0, 20)),
  text: nullish(z.looseObject({ format: nullish(TextFormat), verbosity: nullish(z.enum(['low', 'medium', 'high'])) })),
  reasoning: nullish(
    z.looseObject({
      effort: nullish(z.enum(REASONING_EFFORTS)),
      summary: nullish(z.enum(['auto', 'concise', 'detailed'])),
      generate_summary: nullish(z.enum(['auto', 'concise', 'detailed'])),
    }),
  ),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({ include_obfuscation: nullish(z.boolean()) })),
  store: nullish(z.boolean()),
  background: nullish(z.boolean()),
  previous_response_id: nullish(z.string()),
  conversation: nullish(z.union([z.string(), z.looseObject({ id: z.string() })])),
  prompt: nullish(z.looseObject({ id: z.string() })),
  metadata: nullish(z.record(z.string(), z.string().max(512))),
  user: nullish(z.string()),
  safety_identifier: nullish(z.string()),
  prompt_cache_key: nullish(z.string()),
  prompt_cache_retention: nullish(z.enum(['in_memory', '24h'])),
  truncation: nullish(z.enum(['auto', 'disabled'])),
  include: nullish(z.array(z.string())),
  service_tier: nullish(z.enum(['auto', 'default', 'flex', 'scale', 'priority'])),
})
export type ResponseCreateBodyT = z.infer<typeof ResponseCreateBody>
