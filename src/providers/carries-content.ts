/**
 * The one definition of "this chunk carries content", used by every adapter for time to first token
 * (which the latency strategy ranks targets on, so it must mean the same for each provider) and by
 * routing to decide when a held stream has begun.
 *
 * Content is text, a tool call or a refusal, in any choice. A role-only opening chunk (`content: ""`),
 * a finish or a usage chunk is not: it costs the provider nothing to send before it has a word.
 */
import type { ChatChunk } from './openai-schema.ts'

export function carriesContent(c: ChatChunk): boolean {
  for (const { delta: d } of c.choices) {
    if (typeof d.content === 'string' && d.content.length > 0) return true
    if (d.tool_calls !== undefined && d.tool_calls.length > 0) return true
    if (typeof d.refusal === 'string' && d.refusal.length > 0) return true
  }
  return false
}
