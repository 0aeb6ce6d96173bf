/**
 * vLLM (`type: vllm`): its OpenAI-compatible server —
 * https://docs.vllm.ai/en/stable/serving/openai_compatible_server.html. It takes OpenAI's parameters and
 * its own (`top_k`, `min_p`, guided decoding…), which pass through as they are. Without `--api-key` it
 * needs no key, but Headroom simulates a provider without one: give any.
 */
import { drop } from '../openai/param-rules.ts'
import { defineOpenAICompatible } from './define.ts'

export const vllm = defineOpenAICompatible({
  type: 'vllm',
  baseUrl: 'http://localhost:8000/v1',
  // "parallel_tool_calls and user parameters are ignored" (the Chat API notes, ibid.): false is not honoured.
  params: { parallel_tool_calls: drop((v) => v === true) },
})
