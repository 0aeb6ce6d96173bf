/**
 * OpenAI's rules for a chat completion beyond each field's type (openai-schema.ts): how fields go
 * together, counts, and the order of tool calls and their answers in the conversation. OpenAI answers a
 * body that breaks one with a 400; Anthropic or Gemini might serve it. Checked here for every request,
 * whatever the target, so that the answer does not depend on which target serves (or on failover).
 * Messages, `param` and `code` are OpenAI's (https://platform.openai.com/docs/api-reference/chat/create);
 * where its exact words could not be found, the comment says so and the message follows its style.
 *
 * Cheap: a few field checks and one pass over the messages.
 */

import { ApiError } from '../lib/api-error.ts'
import { type ChatRequest, contentText } from '../providers/openai-schema.ts'

const MAX_STOP = 4
const MAX_METADATA_PAIRS = 16
const MAX_METADATA_KEY = 64
const TOKEN_ID = /^\d+$/
// "json" in any case; spelled out rather than with the `i` flag, which scans long prompts half as fast.
const JSON_WORD = /[jJ][sS][oO][nN]/

const invalid = (message: string, param: string | null, code: string | null = null) =>
  new ApiError(400, message, code, param)

/** A client's string in a message, bounded (OpenAI shortens long ones the same way: `kkk...kkk`). */
function short(s: string): string {
  return s.length > 64 ? `${s.slice(0, 3)}...${s.slice(-3)}` : s
}

function onlyWithTools(param: 'tool_choice' | 'parallel_tool_calls'): ApiError {
  return invalid(`Invalid value for '${param}': '${param}' is only allowed when 'tools' are specified.`, param)
}

function unanswered(ids: ReadonlySet<string>, at: number): ApiError {
  return invalid(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].map(short).join(', ')}`,
    `messages.[${at}].role`,
  )
}

/** The tool-call order, and (for JSON mode) whether any message mentions JSON. */
function checkMessages(req: ChatRequest): ApiError | null {
  const needsJsonWord = req.response_format?.type === 'json_object'
  let jsonWord = false
  // Calls of the last assistant message with tool_calls, and those still unanswered; null outside a tool turn.
  let calls: Set<string> | null = null
  let pending: Set<string> | null = null
  let pendingAt = -1
  const messages = req.messages
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    if (m.role === 'tool') {
      if (calls === null)
        return invalid(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        )
      if (!calls.has(m.tool_call_id))
        return invalid(
          `Invalid parameter: 'tool_call_id' of '${short(m.tool_call_id)}' not found in 'tool_calls' of previous message.`,
          `messages.[${i}].tool_call_id`,
        )
      pending!.delete(m.tool_call_id)
    } else {
      if (pending !== null && pending.size > 0) return unanswered(pending, pendingAt)
      calls = pending = null
    }
    if (needsJsonWord && !jsonWord) jsonWord = JSON_WORD.test(contentText(m.content))
    if (m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0) {
      calls = new Set(m.tool_calls.map((c) => c.id))
      pending = new Set(calls)
      pendingAt = i
    }
  }
  if (pending !== null && pending.size > 0) return unanswered(pending, pendingAt)
  if (needsJsonWord && !jsonWord)
    return invalid(
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      'messages',
    )
  return null
}

/** The first of OpenAI's rules the request breaks, as the 400 OpenAI would answer; null when none. */
export function checkOpenAIRules(req: ChatRequest): ApiError | null {
  if (req.stream_options != null && req.stream !== true)
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options')
  if (Array.isArray(req.stop) && req.stop.length > MAX_STOP) {
    return invalid(
      `Invalid 'stop': array too long. Expected an array with maximum length ${MAX_STOP}, but got an array with length ${req.stop.length} instead.`,
      'stop',
      'array_above_max_length',
    )
  }
  if (req.logit_bias != null) {
    for (const key in req.logit_bias) {
      if (!TOKEN_ID.test(key))
        return invalid(
          `Invalid key in 'logit_bias': ${short(key)}. You should only be submitting non-negative integers.`,
          'logit_bias',
        )
    }
  }
  if (req.top_logprobs != null && req.logprobs !== true)
    return invalid("The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.", 'top_logprobs')
  if (req.metadata != null) {
    const keys = Object.keys(req.metadata)
    if (keys.length > MAX_METADATA_PAIRS) {
      return invalid(
        `Invalid 'metadata': too many properties. Expected an object with at most ${MAX_METADATA_PAIRS} properties, but got an object with ${keys.length} properties instead.`,
        'metadata',
        'object_above_max_properties',
      )
    }
    for (const key of keys) {
      if (key.length > MAX_METADATA_KEY) {
        return invalid(
          `Invalid property name in 'metadata': '${short(key)}' is too long. Expected a string with maximum length ${MAX_METADATA_KEY}, but got a string with length ${key.length} instead.`,
          `metadata.${key}`,
          'property_name_above_max_length',
        )
      }
    }
  }
  if (req.tools == null) {
    if (req.tool_choice != null) return onlyWithTools('tool_choice')
    if (req.parallel_tool_calls != null) return onlyWithTools('parallel_tool_calls')
  } else if (typeof req.tool_choice === 'object' && req.tool_choice !== null) {
    const name = req.tool_choice.function.name
    // OpenAI's exact words for this one were not found; this follows its style.
    if (!req.tools.some((t) => t.function.name === name))
      return invalid(
        `Invalid value for 'tool_choice': function '${short(name)}' is not among the 'tools' provided.`,
        'tool_choice',
        'invalid_value',
      )
  }
  return checkMessages(req)
}
