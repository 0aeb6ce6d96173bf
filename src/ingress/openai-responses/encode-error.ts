/**
 * An error answer on `/v1/responses`: the Responses API answers errors in the same shape as chat
 * completions, `{"error":{"message","type","param","code"}}` with the HTTP status, so the router's error
 * passes as it is.
 * Reference: https://platform.openai.com/docs/guides/error-codes
 */
import { defaultErrorType } from '../../lib/api-error.ts'
import type { OpenAIErrorBody } from '../../providers/openai-schema.ts'

export interface ErrorIn {
  message: string
  type?: string
  code?: string | null
  param?: string | null
}

export function encodeError(status: number, err: ErrorIn): { status: number; body: OpenAIErrorBody } {
  const type = err.type ?? defaultErrorType(status)
  return { status, body: { error: { message: err.message, type, param: err.param ?? null, code: err.code ?? null } } }
}
