/**
 * `npm run bench:non-reading [idle_ms]`: clients that open a stream and never read it. Four raw TCP
 * clients stream long answers from a provider with `concurrency: 4` and read nothing; meanwhile a
 * well-behaved client asks once a second. Prints how long the four slots stayed pinned and what the
 * well-behaved requests got. With an argument, routes.yaml sets `server.stream_idle_timeout_ms` to it;
 * without, the server's default applies.
 */
import { connect, type Socket } from 'node:net'
import { silentLogger } from '../src/lib/logger.ts'
import { startSimulator } from '../src/simulator/index.ts'
import { startHeadroom } from '../src/start.ts'

const idleMs = process.argv[2] || undefined
const windowMs = Number(process.argv[3] ?? 60_000)
const sim = await startSimulator({})
const hr = await startHeadroom({
  dbPath: ':memory:',
  configText:
    `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: k, limits: { concurrency: 4 } }\n` +
    `routes:\n  r: { targets: [openai/gpt-4.1-mini], queue: { max_wait_ms: 2000 } }\n` +
    (idleMs ? `server: { stream_idle_timeout_ms: ${idleMs} }\n` : ''),
  port: 0,
  env: {},
  log: silentLogger,
  simulatorUrl: sim.url,
})
const inFlight = () => hr.states.peek('openai#1/gpt-4.1-mini')?.limits.inFlight ?? 0

/** A streaming request whose answer (tens of MB) is never read: socket buffers fill, writes block. */
function nonReader(): Socket {
  const body = JSON.stringify({ model: 'r', stream: true, messages: [{ role: 'user', content: 'tokens: 60000' }] })
  const s = connect(hr.port, '127.0.0.1')
  s.pause()
  s.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
  s.on('error', () => {})
  return s
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const clients = Array.from({ length: 4 }, nonReader)
const t0 = Date.now()
const statuses: Record<string, number> = {}
let freedAt: number | null = null
try {
  while (inFlight() < 4 && Date.now() - t0 < 10_000) await sleep(20)
  const pinnedAt = Date.now()
  // The four slots are free when nothing is in flight between two well-behaved requests.
  const poll = setInterval(() => {
    if (freedAt === null && inFlight() === 0) freedAt = Date.now()
  }, 50)
  while (Date.now() - pinnedAt < windowMs) {
    const res = await fetch(`${hr.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] }),
    })
    await res.text()
    statuses[res.status] = (statuses[res.status] ?? 0) + 1
    await sleep(1000)
  }
  clearInterval(poll)
  const pinned =
    freedAt === null
      ? `still pinned after ${((Date.now() - pinnedAt) / 1000).toFixed(1)} s`
      : `freed after ${((freedAt - pinnedAt) / 1000).toFixed(1)} s`
  console.log(
    `stream_idle_timeout_ms ${idleMs ?? 'default'}: 4 non-reading streams ${pinned}; well-behaved requests by status: ${JSON.stringify(statuses)}`,
  )
} finally {
  for (const c of clients) c.destroy()
  await hr.close()
  await sim.close()
}
