/**
 * The Gemini REST shapes this adapter sends and reads (`v1beta` `generateContent` /
 * `streamGenerateContent`), independent of any SDK: everything but client.ts works on these, so that
 * changing the transport (as from `@google/generative-ai` to the REST API directly) touches client.ts alone.
 * Requests are plain interfaces (we build them); responses are partial, tolerant zod schemas (they
 * come from outside). Field names are the REST API's camelCase.
 * https://ai.google.dev/api/generate-content
 */
import { z } from 'zod'

// ---------------------------------------------------------------------------------------------
// Request (what convert-request.ts builds)

export type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> } }
  | { functionResponse: { name: string; response: Record<string, unknown> } }

export interface GeminiContent {
  role: 'user' | 'model'
  parts: GeminiPart[]
}

/**
 * Gemini's Schema: "a select subset of an OpenAPI 3.0 schema object". Type names are kept in JSON
 * Schema's lower case, as `SchemaType` in @google/generative-ai 0.24.1 sends them (the API accepts both).
 * https://ai.google.dev/api/caching#Schema
 */
export type GeminiSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object'

export interface GeminiSchema {
  type?: GeminiSchemaType
  format?: string
  title?: string
  description?: string
  nullable?: boolean
  enum?: string[]
  items?: GeminiSchema
  minItems?: number
  maxItems?: number
  properties?: Record<string, GeminiSchema>
  required?: string[]
  propertyOrdering?: string[]
  minProperties?: number
  maxProperties?: number
  minLength?: number
  maxLength?: number
  pattern?: string
  minimum?: number
  maximum?: number
  anyOf?: GeminiSchema[]
}

export interface GeminiFunctionDeclaration {
  name: string
  description?: string
  parameters?: GeminiSchema
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] }
}

export interface GeminiGenerationConfig {
  temperature?: number
  topP?: number
  maxOutputTokens?: number
  stopSequences?: string[]
  candidateCount?: number
  seed?: number
  presencePenalty?: number
  frequencyPenalty?: number
  responseMimeType?: string
  responseSchema?: GeminiSchema
  thinkingConfig?: GeminiThinkingConfig
}

/** https://ai.google.dev/api/generate-content#ThinkingConfig: a budget (2.5 models) or a level (3 and later). */
export interface GeminiThinkingConfig {
  thinkingBudget?: number
  thinkingLevel?: string
  includeThoughts?: boolean
}

/** `GenerateContentRequest` without `model` (it is in the URL). */
export interface GeminiRequest {
  contents: GeminiContent[]
  systemInstruction?: { parts: Array<{ text: string }> }
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>
  toolConfig?: GeminiToolConfig
  generationConfig?: GeminiGenerationConfig
}

// ---------------------------------------------------------------------------------------------
// Response (parsed from outside: partial and tolerant, unknown fields pass through)

export const GeminiErrorBody = z.looseObject({
  code: z.number().optional(),
  message: z.string().optional(),
  status: z.string().optional(),
  details: z.array(z.unknown()).optional(),
})
export type GeminiErrorBody = z.infer<typeof GeminiErrorBody>

const ResponsePart = z.looseObject({
  text: z.string().optional(),
  /** Thought summaries (2.5+ models, only with `includeThoughts`): never part of the answer. */
  thought: z.boolean().optional(),
  functionCall: z
    .looseObject({
      name: z.string(),
      args: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
})
export type GeminiResponsePart = z.infer<typeof ResponsePart>

const Candidate = z.looseObject({
  content: z.looseObject({ role: z.string().optional(), parts: z.array(ResponsePart).optional() }).optional(),
  finishReason: z.string().optional(),
  finishMessage: z.string().optional(),
  index: z.number().int().min(0).optional(),
})
export type GeminiCandidate = z.infer<typeof Candidate>

const UsageMetadata = z.looseObject({
  promptTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
})
export type GeminiUsageMetadata = z.infer<typeof UsageMetadata>

/** One `GenerateContentResponse`: the whole answer, or one SSE event of a stream. */
export const GeminiResponseSchema = z.looseObject({
  candidates: z.array(Candidate).optional(),
  promptFeedback: z
    .looseObject({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() })
    .optional(),
  usageMetadata: UsageMetadata.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
  /** Not part of the schema: how Google reports a failure inside a 200 stream. */
  error: GeminiErrorBody.optional(),
})
export type GeminiResponse = z.infer<typeof GeminiResponseSchema>

// ---------------------------------------------------------------------------------------------
// Failures, in Gemini's terms (errors.ts turns them into ProviderErrors)

export type GeminiFailure =
  /** Gemini answered non-2xx. `message` is Google's `error.message`, `details` its `error.details`. */
  | { type: 'http'; status: number; statusText: string; message: string; details: unknown[] }
  /** No answer (or, for streams, no data) within the target's timeout. */
  | { type: 'timeout'; timeoutMs: number }
  /** The caller's signal was aborted. */
  | { type: 'cancelled' }
  /** fetch failed: refused, reset, DNS, TLS. */
  | { type: 'connection'; message: string }
  /** A 2xx whose body is not what Gemini sends (not JSON, an SSE event the parser rejects). */
  | { type: 'malformed'; message: string }
  /** The body broke while being read (connection cut or reset after the headers). */
  | { type: 'broken'; message: string }
  /** The model id cannot be one segment of Gemini's URL (model-resource.ts): nothing was sent. */
  | { type: 'invalid_model'; message: string }

export class GeminiCallError extends Error {
  override readonly name = 'GeminiCallError'
  readonly failure: GeminiFailure
  constructor(failure: GeminiFailure, options?: { cause?: unknown }) {
    super('message' in failure ? failure.message : failure.type, options)
    this.failure = failure
  }
}
