/** DeepSeek (`type: deepseek`): OpenAI's wire — https://api-docs.deepseek.com/api/create-chat-completion */
import { drop } from '../openai/param-rules.ts'
import { defineOpenAICompatible } from './define.ts'

export const deepseek = defineOpenAICompatible({
  type: 'deepseek',
  // `https://api.deepseek.com/v1` works too: https://api-docs.deepseek.com/
  baseUrl: 'https://api.deepseek.com',
  family: /^deepseek-/,
  models: [
    {
      // The reasoning model ignores the sampling parameters and refuses logprobs with a 400:
      // https://api-docs.deepseek.com/guides/reasoning_model
      match: /^deepseek-reasoner/,
      params: {
        temperature: drop((v) => v === 1),
        top_p: drop((v) => v === 1),
        presence_penalty: drop((v) => v === 0),
        frequency_penalty: drop((v) => v === 0),
        logprobs: drop((v) => v === false),
        top_logprobs: drop((v) => v === 0),
      },
    },
  ],
})
