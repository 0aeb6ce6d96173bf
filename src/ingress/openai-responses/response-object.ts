/**
 * The Response object (`object: 'response'`) both the JSON answer and the stream's lifecycle events carry,
 * typed with the `openai` SDK's own types so that the compiler holds every field to what clients read.
 * `output_text` is left out: the SDKs compute it from `output`, and OpenAI's wire has no such field.
 * Reference: https://platform.openai.com/docs/api-reference/responses/object
 */
import type {
  FunctionTool,
  Response,
  ResponseFormatTextConfig,
  ResponseFunctionToolCall,
  ResponseOutputMessage,
  ResponseOutputRefusal,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseUsage,
} from 'openai/resources/responses/responses'
import type { FinishReason, Usage } from '../../providers/openai-schema.ts'
import type { EncodeContext } from '../types.ts'
import { ResponseCreateBody } from './request-schema.ts'

export type ResponseObject = Omit<Response, 'output_text'>
export type MessageOutput = ResponseOutputMessage
export type FunctionCallOutput = ResponseFunctionToolCall & { id: string; status: ItemStatus }
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete'
export type ReasoningOutput = ResponseReasoningItem & { status: ItemStatus }

/** A message item's content part, before it is dressed as the wire's (annotations, logprobs). */
export type MessagePart = { type: 'output_text'; text: string } | { type: 'refusal'; refusal: string }

export function outputPart(p: MessagePart): ResponseOutputText | ResponseOutputRefusal {
  return p.type === 'output_text' ? { type: 'output_text', text: p.text, annotations: [], logprobs: [] } : { ...p }
}

export function messageItem(id: string, parts: readonly MessagePart[], status: ItemStatus): MessageOutput {
  return { id, type: 'message', status, role: 'assistant', content: parts.map(outputPart) }
}

/**
 * The target's reasoning text (a chat answer's `reasoning_content`: Anthropic's thinking, Gemini's thought
 * summaries) as a `reasoning` item's one summary. Sent only when the request asked `reasoning.summary`, as
 * OpenAI does. https://platform.openai.com/docs/guides/reasoning#reasoning-summaries
 */
export function reasoningItem(id: string, text: string, status: ItemStatus): ReasoningOutput {
  return { id, type: 'reasoning', summary: [{ type: 'summary_text', text }], status }
}

/** Whether the response shows the reasoning: the client asked `reasoning.summary` (echoed in the response). */
export function wantsSummary(r: ResponseObject): boolean {
  return r.reasoning?.summary != null
}

/** A chat answer's or delta's reasoning text (`reasoning_content`), or ''. */
export function reasoningOf(m: Readonly<Record<string, unknown>> | undefined): string {
  const r = m?.['reasoning_content']
  return typeof r === 'string' ? r : ''
}

export function functionCallItem(
  id: string,
  call: { call_id: string; name: string; arguments: string },
  status: ItemStatus,
): FunctionCallOutput {
  return { id, type: 'function_call', status, call_id: call.call_id, name: call.name, arguments: call.arguments }
}

/** What encoding needs from the request: the body the client sent, for the fields a response echoes. */
export interface ResponsesEncodeContext extends EncodeContext {
  /** The request body as the client sent it; without it, the echo fields take OpenAI's defaults. */
  body?: unknown
  /** Whether the response is kept (its `store`); unset: the field is left out. */
  store?: boolean
  /** The response this one continued (its `previous_response_id`). */
  previousResponseId?: string | null
}

/**
 * The answer's ids, made from the request's: `resp_<id>`, and per output item `msg_<id>_<n>`, `fc_<id>_<n>`
 * or `rs_<id>_<n>` (n its position in `output`). Same request, same ids: the stream and its final response agree.
 */
function responseId(ctx: EncodeContext): string {
  return `resp_${baseId(ctx)}`
}

export function itemId(ctx: EncodeContext, kind: 'msg' | 'fc' | 'rs', index: number): string {
  return `${kind}_${baseId(ctx)}_${index}`
}

function baseId(ctx: EncodeContext): string {
  return ctx.id.replace(/^(resp|req)_/, '')
}

/** Chat usage → Responses usage. Chat usage carries no cache writes: `cache_write_tokens` is 0. */
export function responseUsage(u: Usage): ResponseUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: u.total_tokens,
  }
}

/** How a response ended, from the chat finish reason: cut at the token cap or by a filter is `incomplete`. */
export function finishStatus(finish: FinishReason | null): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }
  return { status: 'completed', incomplete_details: null }
}

/** The fields a response echoes from its request, as OpenAI fills them for a field the client left out. */
type Echo = Pick<
  ResponseObject,
  | 'instructions'
  | 'tools'
  | 'tool_choice'
  | 'temperature'
  | 'top_p'
  | 'parallel_tool_calls'
  | 'max_output_tokens'
  | 'text'
  | 'reasoning'
  | 'metadata'
  | 'truncation'
  | 'previous_response_id'
  | 'background'
  | 'user'
>

function echo(body: unknown): Echo {
  const parsed = ResponseCreateBody.safeParse(body)
  const b = parsed.success ? parsed.data : null
  const tools: FunctionTool[] = []
  for (const t of b?.tools ?? []) {
    if (t.type !== 'function') continue
    const f = t as { name?: unknown; description?: unknown; parameters?: unknown; strict?: unknown }
    tools.push({
      type: 'function',
      name: String(f.name),
      description: typeof f.description === 'string' ? f.description : null,
      parameters: typeof f.parameters === 'object' ? (f.parameters as Record<string, unknown> | null) : null,
      strict: typeof f.strict === 'boolean' ? f.strict : null,
    })
  }
  const choice = b?.tool_choice
  const named = choice != null && typeof choice === 'object' && choice.type === 'function'
  const out: Echo = {
    instructions: b?.instructions ?? null,
    tools,
    tool_choice: typeof choice === 'string' ? choice : named ? { type: 'function', name: String(choice.name) } : 'auto',
    // OpenAI answers 1 for either left out, as its reference's example shows; so does a passed-through answer.
    temperature: b?.temperature ?? 1,
    top_p: b?.top_p ?? 1,
    parallel_tool_calls: b?.parallel_tool_calls ?? true,
    max_output_tokens: b?.max_output_tokens ?? null,
    text: { format: (b?.text?.format as ResponseFormatTextConfig | null | undefined) ?? { type: 'text' } },
    reasoning: {
      effort: b?.reasoning?.effort ?? null,
      summary: b?.reasoning?.summary ?? null,
    },
    metadata: b?.metadata ?? {},
    truncation: b?.truncation ?? 'disabled',
    previous_response_id: null,
    background: false,
  }
  if (b?.user != null) out.user = b.user
  return out
}

/** A response in progress: no output yet. Its `status`, `output` and `usage` are filled as the answer comes. */
export function newResponse(ctx: ResponsesEncodeContext, createdAt: number): ResponseObject {
  return {
    id: responseId(ctx),
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    model: ctx.model,
    output: [],
    ...echo(ctx.body),
    previous_response_id: ctx.previousResponseId ?? null,
    ...(ctx.store === undefined ? {} : { store: ctx.store }),
  }
}
