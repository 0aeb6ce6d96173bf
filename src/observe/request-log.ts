/**
 * The request log: one JSON line, `msg: "request"`, per client request to a model endpoint, from its
 * RequestEvent — what served it and how (requestId, api, route, target, attempts, status, stream, errorCode),
 * what it used (promptTokens, completionTokens and costUsd, summed over its attempts and priced as the spend
 * table prices them), and how long it took (latencyMs, ttftMs, queuedMs), and cache. Never message text,
 * unless routes.yaml says `log_prompts: true` (then the prompt and the answer, secrets scrubbed, cut to
 * PROMPT_LOG_CHARS); never a key. At HEADROOM_LOG_LEVEL `warn` or above it is not registered at all.
 */
import type { CompiledConfig } from '../config/types.ts'
import type { LogFields, Logger } from '../lib/logger.ts'
import { redactKeys } from '../providers/redact.ts'
import type { AttemptListener, RequestEvent } from '../routing/events.ts'
import { MICROCENTS_PER_USD, requestTotals } from './request-totals.ts'

/** How much of a prompt, and of an answer, a line keeps under `log_prompts: true`. */
const PROMPT_LOG_CHARS = 1000

/** The request log's line for a request (without the prompt and answer). */
function requestLine(e: RequestEvent): LogFields {
  const { promptTokens, completionTokens, costMicrocents } = requestTotals(e)
  return {
    requestId: e.requestId,
    api: e.api,
    route: e.route,
    target: e.target,
    attempts: e.attempts,
    status: e.status,
    stream: e.stream,
    errorCode: e.errorCode,
    promptTokens,
    completionTokens,
    costUsd: costMicrocents / MICROCENTS_PER_USD,
    latencyMs: Math.round(e.latencyMs),
    ttftMs: e.ttftMs === null ? null : Math.round(e.ttftMs),
    queuedMs: Math.round(e.queuedMs),
    cache: e.cache,
  }
}

/** Scrubbed of every configured secret and of anything shaped like a key, then cut. */
function kept(text: string, secrets: readonly string[]): string {
  const clean = redactKeys(text, secrets)
  return clean.length > PROMPT_LOG_CHARS ? `${clean.slice(0, PROMPT_LOG_CHARS)}…` : clean
}

/** The request log as a listener; `config` is read per request, so `log_prompts` follows reloads. */
export function requestLog(log: Logger, config: { current(): CompiledConfig }): AttemptListener {
  return {
    onAttempt() {},
    onRequest(e) {
      const fields = requestLine(e)
      const cfg = config.current()
      if (cfg.logPrompts) {
        fields['prompt'] = kept(e.promptText(), cfg.secrets)
        fields['answer'] = kept(e.answerText(), cfg.secrets)
      }
      log.info('request', fields)
    },
  }
}
