/**
 * The Anthropic Messages request body (`POST /v1/messages`), as documented:
 * https://docs.anthropic.com/en/api/messages
 *
 * Objects are loose (unknown fields kept): a request for an Anthropic target is forwarded as the client
 * sent it, so this schema checks what Headroom reads and translates, not everything Anthropic may add.
 * For the same reason a content block, tool or thinking config of a type this schema does not know is
 * accepted as `{ type, ... }`; translating one for another provider is refused by the decoder, by name.
 * `null` counts as absent for every optional field.
 */
import { z } from 'zod'

/** Every content block type this schema checks in full. A block of another type passes as `{ type, ... }`. */
export const BLOCK_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image',
  'document',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
])
export const THINKING_TYPES: ReadonlySet<string> = new Set(['enabled', 'disabled', 'adaptive'])

type Tagged = z.ZodObject<{ type: z.ZodLiteral<string> } & z.ZodRawShape, z.core.$loose>

/**
 * A discriminated union of the `known` shapes, plus any object whose `type` is not in `checked` (the set
 * the `known` types belong to). A known type is checked in full wherever it appears: `{ "type": "text" }`
 * without `text` is an error, and so is a `tool_use` block inside a `tool_result`.
 */
function openUnion<const T extends readonly [Tagged, ...Tagged[]]>(known: T, checked: ReadonlySet<string>) {
  // Aborting, so that zod's union reports both alternatives rather than settling on this one.
  const unknownType = z.string().refine((t) => !checked.has(t), { error: 'not allowed here', abort: true })
  const other = z.looseObject({ type: unknownType })
  return z.union([z.discriminatedUnion('type', known), other])
}

/** The members of a union made by openUnion whose `type` is a literal: the ones checked in full. */
export type Known<U> = U extends { type: infer K } ? (string extends K ? never : U) : never

/** Whether `b` is one of the types `types` checks in full (BLOCK_TYPES, THINKING_TYPES). */
export function isKnown<U extends { type: string }>(b: U, types: ReadonlySet<string>): b is Known<U> & U {
  return types.has(b.type)
}

const CacheControl = z.looseObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).nullish() })

const TextBlock = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: CacheControl.nullish(),
  citations: z.array(z.looseObject({})).nullish(),
})

const Base64ImageSource = z.looseObject({
  type: z.literal('base64'),
  media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
  data: z.string(),
})
const UrlSource = z.looseObject({ type: z.literal('url'), url: z.string().min(1) })
const FileSource = z.looseObject({ type: z.literal('file'), file_id: z.string() })

const ImageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [Base64ImageSource, UrlSource, FileSource]),
  cache_control: CacheControl.nullish(),
})

const Base64PdfSource = z.looseObject({
  type: z.literal('base64'),
  media_type: z.literal('application/pdf'),
  data: z.string(),
})
const PlainTextSource = z.looseObject({
  type: z.literal('text'),
  media_type: z.literal('text/plain'),
  data: z.string(),
})
const ContentSource = z.looseObject({
  type: z.literal('content'),
  content: z.union([z.string(), z.array(openUnion([TextBlock, ImageBlock], BLOCK_TYPES))]),
})

const DocumentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [Base64PdfSource, PlainTextSource, ContentSource, UrlSource, FileSource]),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.looseObject({ enabled: z.boolean().nullish() }).nullish(),
  cache_control: CacheControl.nullish(),
})

const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: CacheControl.nullish(),
})

const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(openUnion([TextBlock, ImageBlock, DocumentBlock], BLOCK_TYPES))]).nullish(),
  is_error: z.boolean().nullish(),
  cache_control: CacheControl.nullish(),
})

const ThinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() })
const RedactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() })

export const ContentBlock = openUnion(
  [TextBlock, ImageBlock, DocumentBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, RedactedThinkingBlock],
  BLOCK_TYPES,
)

const MessageParam = z.looseObject({
  // `system` turns inside `messages` are newer than the reference page; the SDK (1.x) sends them.
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(ContentBlock)]),
})

/** A tool the client runs, described by a JSON Schema (`type` absent or `custom`). */
const CustomTool = z.looseObject({
  type: z.literal('custom').nullish(),
  name: z.string().min(1),
  description: z.string().nullish(),
  input_schema: z.looseObject({ type: z.literal('object') }),
  strict: z.boolean().nullish(),
  cache_control: CacheControl.nullish(),
})
/** A tool Anthropic defines (`web_search_20250305`, `bash_20250124`, …), named by its versioned `type`. */
const TypedTool = z.looseObject({
  type: z.string().refine((t) => t !== 'custom', { error: 'not allowed here', abort: true }),
  name: z.string().nullish(),
})
const Tool = z.union([CustomTool, TypedTool])

const disableParallel = { disable_parallel_tool_use: z.boolean().nullish() }
const ToolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), ...disableParallel }),
  z.looseObject({ type: z.literal('any'), ...disableParallel }),
  z.looseObject({ type: z.literal('tool'), name: z.string().min(1), ...disableParallel }),
  z.looseObject({ type: z.literal('none') }),
])

export const ThinkingConfig = openUnion(
  [
    // "Must be ≥1024 and less than max_tokens"; the second half depends on the target's limits.
    z.looseObject({ type: z.literal('enabled'), budget_tokens: z.int().min(1024) }),
    z.looseObject({ type: z.literal('disabled') }),
    z.looseObject({ type: z.literal('adaptive') }),
  ],
  THINKING_TYPES,
)

/** Structured output: https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs */
const OutputFormat = z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })

export const MessagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(MessageParam).refine((m) => m.length > 0, 'at least one message is required'),
  // 0 asks Anthropic to pre-warm the prompt cache without generating; the reference page says ≥ 1.
  max_tokens: z.int().min(0),
  system: z.union([z.string(), z.array(TextBlock)]).nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(Tool).nullish(),
  tool_choice: ToolChoice.nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
  thinking: ThinkingConfig.nullish(),
  service_tier: z.enum(['auto', 'standard_only']).nullish(),
  output_config: z.looseObject({ effort: z.string().nullish(), format: OutputFormat.nullish() }).nullish(),
  // The structured-outputs beta's name for `output_config.format`.
  output_format: OutputFormat.nullish(),
})

export type MessagesRequest = z.infer<typeof MessagesRequestSchema>
export type MessageParamT = z.infer<typeof MessageParam>
export type ImageBlockT = z.infer<typeof ImageBlock>
export type DocumentBlockT = z.infer<typeof DocumentBlock>
export type ToolResultBlockT = z.infer<typeof ToolResultBlock>
export type ToolT = z.infer<typeof Tool>
export type CustomToolT = z.infer<typeof CustomTool>
