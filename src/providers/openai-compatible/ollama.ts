/**
 * Ollama (`type: ollama`): its OpenAI-compatible endpoint, which reads a subset of OpenAI's fields and
 * ignores the rest — https://docs.ollama.com/api/openai-compatibility. It needs no key, but Headroom
 * simulates a provider without one (`simulate: auto`): give any `api_key`, as Ollama's docs do.
 */
import { drop, isEmptyObject, refuse } from '../openai/param-rules.ts'
import { defineOpenAICompatible } from './define.ts'

export const ollama = defineOpenAICompatible({
  type: 'ollama',
  baseUrl: 'http://localhost:11434/v1',
  // Ignored by Ollama (https://github.com/ollama/ollama/blob/main/docs/openai.md#supported-request-fields).
  params: {
    logit_bias: drop(isEmptyObject),
    n: refuse((v) => v === 1, 'it answers one choice'),
  },
})
