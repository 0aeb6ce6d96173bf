/** Shared bits of the simulator's tests (not a test file itself). */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { type Simulator, startSimulator } from './index.ts'

/** A real 1×1 PNG: the simulated APIs check image bytes like the real ones. */
export const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

/** A prompt long enough to be cached (≈ 1500 tokens by the simulator's 4-characters rule). */
export const LONG_TEXT = 'All work and no play makes a dull model. '.repeat(150)

export async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: r.status, headers: r.headers, text: await r.text() }
}

/**
 * One simulator for a test file: started (seeded) before its tests and handed to `ready`, reset before
 * each test, closed after the last.
 */
export function useFileSimulator(seed: number, ready: (sim: Simulator) => void): void {
  let sim: Simulator | undefined
  beforeAll(async () => {
    sim = await startSimulator({ seed })
    ready(sim)
  })
  afterAll(() => sim?.close())
  beforeEach(() => sim?.reset())
}

/** The `openai` SDK pointed at the simulator, without retries. */
export const openaiClient = (sim: Simulator): OpenAI =>
  new OpenAI({ apiKey: 'sk-test-key-123456', baseURL: `${sim.url}/v1`, maxRetries: 0, timeout: 5_000 })

/** The Anthropic SDK pointed at the simulator, without retries. */
export const anthropicClient = (sim: Simulator): Anthropic =>
  new Anthropic({ apiKey: 'sk-ant-test-123456', baseURL: sim.url, maxRetries: 0, timeout: 5_000 })
