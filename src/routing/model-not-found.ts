/**
 * The answer to a model id that names no model: 404 `model_not_found`, type `invalid_request_error` as
 * OpenAI sends it, saying why (resolve.ts). Chat completions (through admission) and the models endpoint
 * alike.
 */
import type { CompiledConfig } from '../config/types.ts'
import { ApiError } from '../lib/api-error.ts'
import { notFoundReason, type Resolution } from './resolve.ts'

export function modelNotFound(cfg: CompiledConfig, id: string, r: Resolution): ApiError {
  const why = notFoundReason(cfg, r)
  const message = `The model '${id}' does not exist: ${why}. GET /v1/models lists the routes and models.`
  return new ApiError(404, message, 'model_not_found', 'model', 'invalid_request_error')
}
