/**
 * Mistral (`type: mistral`): OpenAI's wire with Mistral's own request schema, which answers 422
 * ("Extra inputs are not permitted") to any field outside it —
 * https://docs.mistral.ai/api/#tag/chat/operation/chat_completion_v1_chat_completions_post
 */
import { drop, isEmptyObject, rename } from '../openai/param-rules.ts'
import { defineOpenAICompatible } from './define.ts'

export const mistral = defineOpenAICompatible({
  type: 'mistral',
  baseUrl: 'https://api.mistral.ai/v1',
  family: /^(mistral-|magistral-|ministral-|codestral-|devstral-|pixtral-|open-mi[sx]tral-)/,
  params: {
    // The same parameters under Mistral's names.
    seed: rename('random_seed'),
    max_completion_tokens: rename('max_tokens'),
    // Not in Mistral's schema.
    logprobs: drop((v) => v === false),
    top_logprobs: drop((v) => v === 0),
    logit_bias: drop(isEmptyObject),
    user: drop(),
  },
  messageFields: ['name'],
  // `stream_options` is refused; a stream's last chunk carries the usage unasked.
  streamUsage: false,
})
