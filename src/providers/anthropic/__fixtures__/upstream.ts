/**
 * A small Anthropic-shaped server on 127.0.0.1 for the adapter's end-to-end tests: each test sets the
 * handler, which answers with a recorded body, error or stream from this folder.
 */

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Handler, sseHandler } from '../../__fixtures__/recorded-upstream.ts'
import type { ChatChunk } from '../../openai-schema.ts'
import type { Target } from '../../types.ts'

export const RATE_HEADERS = {
  'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy',
  'anthropic-ratelimit-requests-limit': '50',
  'anthropic-ratelimit-requests-remaining': '49',
  'anthropic-ratelimit-requests-reset': '2030-01-01T00:00:01Z',
  'anthropic-ratelimit-tokens-remaining': '39000',
}

export const MESSAGE = {
  id: 'msg_01AbC',
  type: 'message',
  role: 'assistant',
  model: 'claude-haiku-4-5-20251001',
  content: [{ type: 'text', text: 'Sunny, 21 °C.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 20, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 },
}

export const fixture = (name: string): Buffer => readFileSync(join(import.meta.dirname, `${name}.chunks.txt`))

export const expectedChunks = (name: string): ChatChunk[] =>
  (JSON.parse(readFileSync(join(import.meta.dirname, `${name}.expected.json`), 'utf8')) as { chunks: ChatChunk[] })
    .chunks

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
}

/** Serves a recorded stream in small pieces, with Anthropic's headers (see sseHandler). */
export function sse(bytes: Buffer | string, end: boolean | 'destroy' = true): Handler {
  return sseHandler(bytes, RATE_HEADERS, end)
}

/** The target the tests send to (override what a test varies). */
export function testTarget(over: Partial<Target> = {}): Target {
  return {
    id: 'anthropic/claude-haiku-4-5',
    provider: 'anthropic',
    type: 'anthropic',
    model: 'claude-haiku-4-5',
    keyAlias: 'anthropic#1',
    stateId: 'anthropic#1/claude-haiku-4-5',
    apiKey: 'sk-ant-test',
    baseUrl: 'http://127.0.0.1:9',
    timeoutMs: 5000,
    ...over,
  }
}
