/**
 * `type: openai-compatible`: any server with `POST {base_url}/chat/completions` (vLLM, Ollama, LM Studio,
 * a proxy, an Azure-style gateway). Requests go as OpenAI's, unknown fields included, with OpenAI's
 * reasoning-model rules for models that follow them; it prices models from OpenAI's catalog rows (a
 * proxy in front of OpenAI is the common case). `base_url` is required. A server with known quirks gets
 * its own preset beside this file.
 */
import { reasoningRules } from '../openai/reasoning-models.ts'
import { defineOpenAICompatible } from './define.ts'

export const openaiCompatible = defineOpenAICompatible({
  type: 'openai-compatible',
  baseUrl: null,
  catalogFamily: 'openai',
  reasoningRules,
  // Simulated, it is OpenAI itself: OpenAI's models and fields (a proxy in front of OpenAI, as above).
  simulatorPath: '/v1',
})
