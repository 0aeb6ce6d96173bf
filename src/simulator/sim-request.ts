/** The provider-neutral request with nothing asked of it yet: the base a parser fills in. */
import type { Segment, SimRequest } from './types.ts'

/** One answer, no tools, no JSON, no cap, no reasoning; the prompt is `segments`. */
export function blankRequest(segments: Segment[]): SimRequest {
  return {
    segments,
    lastUserText: '',
    images: 0,
    endsWithUser: false,
    toolResults: null,
    tools: [],
    toolChoice: 'none',
    forcedTool: null,
    parallelTools: true,
    json: null,
    maxTokens: null,
    stop: [],
    choices: 1,
    userSeed: null,
    reasoningFactor: 0,
    reasoningBudget: null,
    thinkingBlock: false,
  }
}
