/**
 * What the simulated Responses API remembers between requests: each stored response (`store` is true
 * by default) as the conversation items it added — its input and its output — linked to the response
 * it continued. A request naming `previous_response_id` continues from the whole chain, as the real
 * API does (https://platform.openai.com/docs/guides/conversation-state); instructions and tools are
 * not carried over. Bounded: the least recently used responses are forgotten first.
 */
import { Lru } from '../lib/lru.ts'
import { IMAGE_TOKENS, MESSAGE_OVERHEAD, TOOL_CALL_OVERHEAD, textTokens } from './tokens.ts'
import type { Segment } from './types.ts'

/** One conversation item, reduced to what answers and token counts need. */
export type ConvItem =
  | { kind: 'message'; role: string; text: string; images: number; keys: string }
  | { kind: 'call'; callId: string; name: string; args: string }
  | { kind: 'output'; callId: string; text: string }
  /** Items the simulator does not read (built-in tool calls, item references): counted by their JSON. */
  | { kind: 'other'; json: string }

export interface StoredResponse {
  /** The response this one continued, or null. */
  previous: StoredResponse | null
  /** The items this response added: its input, then its output. */
  items: readonly ConvItem[]
}

/** Responses kept at once (a chain keeps its older links alive through `previous`). */
const MAX_RESPONSES = 10_000

export class ResponseStore {
  private readonly byId = new Lru<string, StoredResponse>(MAX_RESPONSES)
  /** Output items by their id, for `item_reference` (null: held but not read, as a reasoning item). */
  private readonly items = new Lru<string, ConvItem | null>(MAX_RESPONSES * 4)

  get(id: string): StoredResponse | undefined {
    return this.byId.get(id)
  }

  put(id: string, r: StoredResponse): void {
    this.byId.set(id, r)
  }

  /** An output item by id: undefined when not held. */
  item(id: string): ConvItem | null | undefined {
    return this.items.get(id)
  }

  putItem(id: string, it: ConvItem | null): void {
    this.items.set(id, it)
  }

  clear(): void {
    this.byId.clear()
    this.items.clear()
  }
}

/** The items of a whole chain, oldest first. */
export function history(r: StoredResponse | null): ConvItem[] {
  const chain: StoredResponse[] = []
  for (let x = r; x !== null; x = x.previous) chain.push(x)
  const out: ConvItem[] = []
  for (let i = chain.length - 1; i >= 0; i--) out.push(...(chain[i] as StoredResponse).items)
  return out
}

/** An item's piece of the prompt (README "Token accounting": a message +4, a call or its output +3 more). */
export function itemSegment(it: ConvItem): Segment {
  switch (it.kind) {
    case 'message': {
      const tokens = MESSAGE_OVERHEAD + textTokens(it.text) + it.images * IMAGE_TOKENS
      return { key: `${it.role}\u0000${it.text}\u0000${it.keys}`, tokens }
    }
    case 'call': {
      const tokens = MESSAGE_OVERHEAD + textTokens(it.args) + TOOL_CALL_OVERHEAD
      return { key: `c\u0000${it.callId}\u0000${it.name}\u0000${it.args}`, tokens }
    }
    case 'output': {
      const tokens = MESSAGE_OVERHEAD + textTokens(it.text) + TOOL_CALL_OVERHEAD
      return { key: `r\u0000${it.callId}\u0000${it.text}`, tokens }
    }
    case 'other':
      return { key: it.json, tokens: MESSAGE_OVERHEAD + textTokens(it.json) }
    default: {
      const _exhaustive: never = it
      return _exhaustive
    }
  }
}
