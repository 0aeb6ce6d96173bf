/**
 * Shutting down during a deploy: no new requests are taken, the ones in flight — streams included —
 * finish, and their spend rows are written.
 */
import OpenAI from 'openai'
import { expect, it } from 'vitest'
import { silentLogger } from '../src/logger.ts'
import { startHeadroom } from '../src/start.ts'
import { drainText, SIM_KEY, useSimulator } from './harness.ts'

const sim = useSimulator()

it('close(drainMs) lets a stream in flight finish and refuses new requests', async () => {
  sim.configure('openai', 'gpt-4.1-mini', { tokenDelayMs: 20 })
  const hr = await startHeadroom({
    dbPath: ':memory:',
    configText: `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\n`,
    port: 0,
    env: {},
    log: silentLogger,
    simulatorUrl: sim.url,
  })
  const client = new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0 })
  const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ')
  const stream = await client.chat.completions.create({ model: 'openai/gpt-4.1-mini', stream: true, messages: [{ role: 'user', content: `reply: ${words}` }] })
  const reading = drainText(stream)
  const closing = hr.close(5_000)
  await new Promise((r) => setTimeout(r, 50))
  await expect(fetch(`${hr.url}/health`)).rejects.toThrow()
  const { text, error } = await reading
  expect(error).toBeNull()
  expect(text).toBe(words)
  const t = Date.now()
  await closing
  expect(Date.now() - t).toBeLessThan(1_000) // done once the stream is, not at the 5 s limit
  sim.configure('openai', 'gpt-4.1-mini', { tokenDelayMs: 0 })
})
