/**
 * `npm run bench:native`: CPU per streamed call of the Anthropic adapter, translated (`stream()`: Anthropic
 * events → OpenAI chunks) against passed through (`native()`: the upstream's bytes as frames), with the
 * floor measured in the same run: the same request over the same undici client, its body read and dropped.
 * The upstream is a node:http server in this process sending a recorded stream (its CPU is in every row),
 * so the ratios to the floor are what to read, not the absolute figures.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fixture, RATE_HEADERS, testTarget } from '../src/providers/anthropic/__fixtures__/upstream.ts'
import { createAnthropicAdapter } from '../src/providers/anthropic/index.ts'
import { httpRequest, readBody } from '../src/providers/http.ts'
import { ChatRequestSchema } from '../src/providers/openai-schema.ts'
import type { NativeRequest } from '../src/providers/types.ts'

const STREAM = fixture('parallel-tools')
const CALLS = Number(process.env['CALLS'] ?? 3000)
const CONCURRENCY = 8

const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...RATE_HEADERS })
    res.end(STREAM)
  })
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const target = testTarget({ baseUrl, timeoutMs: 10_000 })
const adapter = createAnthropicAdapter()
const signal = new AbortController().signal

const messages = [{ role: 'user' as const, content: 'What is the weather in Paris and in Oslo?' }]
const chat = ChatRequestSchema.parse({ model: 'claude-haiku-4-5', messages, max_tokens: 256, stream: true })
const native: NativeRequest = {
  api: 'anthropic-messages',
  body: { model: 'claude-haiku-4-5', messages, max_tokens: 256, stream: true },
  stream: true,
  headers: { 'anthropic-version': '2023-06-01' },
}
const body = JSON.stringify(native.body)

const rows: Record<string, () => Promise<void>> = {
  'floor: undici, body read and dropped': async () => {
    const res = await httpRequest(`${baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body,
    })
    await readBody(res.body)
  },
  'translated: stream() → OpenAI chunks': async () => {
    const up = await adapter.stream(chat, target, signal)
    for await (const _ of up.body);
  },
  'passthrough: native() → frames': async () => {
    const up = await adapter.native!(native, target, signal)
    if (up.body.kind !== 'stream') throw new Error('not a stream')
    for await (const _ of up.body.frames);
  },
}

async function run(call: () => Promise<void>, n: number): Promise<number> {
  let next = 0
  const cpu0 = process.cpuUsage()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) await call()
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / n
}

// Rounds in turn, the median of each row: the JIT and the machine's other work weigh on every row alike.
const ROUNDS = 5
const samples = new Map<string, number[]>(Object.keys(rows).map((k) => [k, []]))
for (const call of Object.values(rows)) await run(call, 300) // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, call] of Object.entries(rows)) samples.get(name)!.push(await run(call, CALLS / ROUNDS))
}
const results = [...samples].map(([name, xs]): [string, number] => [name, xs.sort((a, b) => a - b)[ROUNDS >> 1]!])
const floor = results[0]![1]
console.log(`Anthropic stream of ${STREAM.length} bytes, ${CALLS} calls, ${CONCURRENCY} at a time (CPU µs per call)`)
for (const [name, us] of results)
  console.log(`${name.padEnd(40)} ${us.toFixed(1).padStart(7)} µs  ×${(us / floor).toFixed(2)}`)
server.close()
await adapter.close?.()
