/**
 * What the planner knows about an embeddings request: its tokens (each text input estimated as chat prompts
 * are, tokens.ts; token-id inputs counted exactly), its longest input (an embedding model's context bounds
 * each input, not their sum), and that it writes nothing: the need it reserves is its input alone.
 */
import { type EmbeddingRequest, embeddingInputs } from '../providers/embeddings-schema.ts'
import type { ProfileOptions } from './profile.ts'
import { estimateTextTokens } from './tokens.ts'
import type { RequestProfile } from './types.ts'

export function buildEmbeddingProfile(
  req: EmbeddingRequest,
  opts: Pick<ProfileOptions, 'requirePrice'>,
): RequestProfile {
  let promptTokens = 0
  let longest = 0
  for (const input of embeddingInputs(req.input)) {
    const tokens = typeof input === 'string' ? estimateTextTokens(input) : input.length
    promptTokens += tokens
    longest = Math.max(longest, tokens)
  }
  return {
    kind: 'embedding',
    promptTokens,
    contextTokens: longest,
    maxOutputTokens: 0,
    expectedOutputTokens: 0,
    needs: { tools: false, vision: false, jsonSchema: false },
    stream: false,
    complexity: { promptTokens, messages: 0, tools: false, code: false, multiStep: false, maxOutputTokens: 0 },
    requirePrice: opts.requirePrice ?? false,
  }
}
