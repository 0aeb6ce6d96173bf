/** The recorded answers: a canonical answer both whole and as chunks, and what Anthropic's API would send. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChatChunk, ChatCompletion } from '../../../providers/openai-schema.ts'
import type { EncodeContext } from '../../types.ts'
import type { AnthropicStreamEvent } from '../encode-stream.ts'
import type { AnthropicMessage } from '../message-shapes.ts'

export interface Answer {
  name: string
  completion: ChatCompletion
  chunks: ChatChunk[]
  message: AnthropicMessage
  events: AnthropicStreamEvent[]
}

/** The context every fixture was recorded with. */
export const CTX: EncodeContext = { model: 'claude-sonnet-4-5', id: 'req01ABC' }

const dir = join(import.meta.dirname, 'answers')

export const answers: Answer[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => {
    const recorded = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<Answer, 'name'>
    return { name: f.slice(0, -'.json'.length), ...recorded }
  })

export async function* replay(chunks: readonly ChatChunk[]): AsyncGenerator<ChatChunk> {
  for (const c of chunks) yield c
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** Events as the bytes of an SSE body, the way Anthropic frames them. */
export function sse(events: readonly AnthropicStreamEvent[]): string {
  return events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('')
}
