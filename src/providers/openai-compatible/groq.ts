/** Groq (`type: groq`): OpenAI's wire, "mostly compatible" — https://console.groq.com/docs/openai */
import { drop, isEmptyObject, refuse } from '../openai/param-rules.ts'
import { defineOpenAICompatible } from './define.ts'

export const groq = defineOpenAICompatible({
  type: 'groq',
  baseUrl: 'https://api.groq.com/openai/v1',
  // Each of these is a 400 at Groq: https://console.groq.com/docs/openai#currently-unsupported-openai-features
  params: {
    logprobs: drop((v) => v === false),
    top_logprobs: drop((v) => v === 0),
    logit_bias: drop(isEmptyObject),
    n: refuse((v) => v === 1, 'it answers one choice'),
  },
  messageFields: ['name'],
})
