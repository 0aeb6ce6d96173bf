/**
 * Limits on what a client may hold open (routes.yaml `server`): headers sent slowly (slowloris) are cut
 * after headers_timeout_ms, a body that trickles after request_timeout_ms — both with 408 — while a
 * response that streams for longer is not cut; connections beyond max_connections are refused. Raw
 * sockets, since an HTTP client would not misbehave on purpose.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { startHeadroom } from '../src/start.ts'
import { drainText, SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator()
const track = useServers()

const config = (server: string) => `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
server: { ${server} }
`

async function start(server: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'headroom-limits-')), 'routes.yaml')
  writeFileSync(file, config(server))
  const hr = track(
    await startHeadroom({
      dbPath: ':memory:',
      configPath: file,
      port: 0,
      env: {},
      log: silentLogger,
      simulatorUrl: sim.url,
      watch: false,
    }),
  )
  return {
    hr,
    port: hr.port,
    edit: (next: string) => {
      writeFileSync(file, config(next))
      return hr.config.reload()
    },
  }
}

/**
 * Opens a socket, writes `head`, then `drip` every `everyMs` until the server closes the connection or
 * `maxMs` passes. Returns what the server sent, how long the socket lived, and whether the server ended it.
 */
function trickle(
  port: number,
  head: string,
  drip: string,
  everyMs: number,
  maxMs: number,
): Promise<{ received: string; ms: number; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let done = false
    const finish = (closedByServer: boolean) => {
      if (done) return
      done = true
      clearInterval(timer)
      clearTimeout(limit)
      socket.destroy()
      resolve({ received, ms: Date.now() - started, closedByServer })
    }
    socket.on('data', (b) => (received += b.toString()))
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    socket.write(head)
    const timer = setInterval(() => socket.writable && socket.write(drip), everyMs)
    const limit = setTimeout(() => finish(false), maxMs)
  })
}

describe('header and body time', () => {
  it('cuts a client that sends its headers slowly after headers_timeout_ms, with 408', async () => {
    const { port } = await start('headers_timeout_ms: 400, request_timeout_ms: 5000')
    const r = await trickle(port, 'GET /health HTTP/1.1\r\nHost: headroom\r\n', 'x-slow: 1\r\n', 50, 15_000)
    expect(r.closedByServer).toBe(true) // long before the client would have stopped
    expect(r.received).toMatch(/^HTTP\/1\.1 408 /)
    expect(r.ms).toBeGreaterThanOrEqual(400)
  })

  it('cuts a body that trickles after request_timeout_ms, with 408', async () => {
    const { port } = await start('headers_timeout_ms: 300, request_timeout_ms: 1000')
    const head =
      'POST /v1/chat/completions HTTP/1.1\r\nHost: headroom\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"model":"openai/gpt-4.1-mini",'
    const r = await trickle(port, head, '          ', 100, 15_000)
    expect(r.closedByServer).toBe(true)
    expect(r.received).toMatch(/^HTTP\/1\.1 408 /)
    expect(r.ms).toBeGreaterThanOrEqual(1000)
  })

  it('does not cut a response that streams for longer than request_timeout_ms', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { tokenDelayMs: 60 })
    const { hr } = await start('headers_timeout_ms: 300, request_timeout_ms: 600')
    const client = new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0 })
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ')
    const started = Date.now()
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4.1-mini',
      stream: true,
      messages: [{ role: 'user', content: `reply: ${words}` }],
    })
    const { text, error } = await drainText(stream)
    expect(error).toBeNull()
    expect(text).toBe(words)
    expect(Date.now() - started).toBeGreaterThan(600) // it did outlive the limit
  })

  it('refuses headers_timeout_ms above request_timeout_ms', async () => {
    await expect(start('headers_timeout_ms: 5000, request_timeout_ms: 1000')).rejects.toThrow(
      /server\.headers_timeout_ms: must not exceed request_timeout_ms/,
    )
  })
})

describe('max_connections', () => {
  /** A keep-alive connection that has had one answer, left open. */
  const holdOpen = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write('GET /health HTTP/1.1\r\nHost: headroom\r\n\r\n'))
      s.once('data', () => resolve(s))
      s.once('error', reject)
    })
  const health = (port: number) =>
    fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } }).then((r) => r.status)

  it('closes a connection beyond the limit at once; a reload changes the limit on the live server', async () => {
    const { port, edit } = await start('max_connections: 2, keep_alive_timeout_ms: 60000')
    const held = [await holdOpen(port), await holdOpen(port)]
    try {
      await expect(health(port)).rejects.toThrow()
      expect(await edit('max_connections: 3, keep_alive_timeout_ms: 60000')).toBe(true)
      expect(await health(port)).toBe(200)
      held.push(await holdOpen(port))
      await expect(health(port)).rejects.toThrow()
    } finally {
      for (const s of held) s.destroy()
    }
  })
})
