/**
 * What the planner knows about an embeddings request: its tokens (each text input estimated as chat prompts
 * are, tokens.ts; token-id inputs counted exactly), its longest input (an embedding model's context bounds
 * each input, not their sum), and that it writes nothing: the need it reserves is its input alone.
 *
 * The reservation takes the estimate, which errs high on purpose; the input limit takes its lower bound. An
 * embedding model's limit is small (8192 at OpenAI, 2048 at Gemini) and clients fill it to the token
 * (LangChain cuts texts at 8191 by tiktoken): refusing on the high estimate would turn valid inputs into
 * 400s. An input that is really too long is the provider's to refuse, in its own words.
 */
import { type EmbeddingRequest, embeddingInputs } from '../providers/embeddings-schema.ts'
import type { ProfileOptions } from './profile.ts'
import { estimateTextTokens } from './tokens.ts'
import type { RequestProfile } from './types.ts'

/** The estimate's largest over-count of a text, its margin included (tokens.ts: +30% against cl100k at most). */
const MAX_OVERCOUNT = 1.3

export function buildEmbeddingProfile(
  req: EmbeddingRequest,
  opts: Pick<ProfileOptions, 'requirePrice'>,
): RequestProfile {
  let promptTokens = 0
  let longest = 0
  for (const input of embeddingInputs(req.input)) {
    const exact = typeof input !== 'string'
    const tokens = exact ? input.length : estimateTextTokens(input)
    promptTokens += tokens
    longest = Math.max(longest, exact ? tokens : Math.floor(tokens / MAX_OVERCOUNT))
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
