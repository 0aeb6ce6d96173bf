/**
 * Alerts end to end: the real server over the simulator, and a webhook receiver on 127.0.0.1 (node:http).
 * A target's rate limit drawn down across 80% and then 90%, a budget crossing 80%, a breaker opening:
 * each threshold reaches the webhook once and is logged once, never repeated; a webhook that is down or
 * never answers delays no request, and its outage is logged once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, startOver, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()

interface Receiver {
  url: string
  bodies: Array<Record<string, unknown>>
  /** Requests received (answered or not). */
  requests: number
  close(): Promise<void>
}

const receivers: Receiver[] = []
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close()
})

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    req.on('data', (b: Buffer) => (text += b.toString()))
    req.on('end', () => resolve(text))
  })
}

/** A webhook on 127.0.0.1: `answer` 204s each POST, `hang` reads it and never answers. */
async function receiver(mode: 'answer' | 'hang'): Promise<Receiver> {
  const r: Receiver = { url: '', bodies: [], requests: 0, close: async () => {} }
  const server: Server = createServer((req, res) => {
    r.requests++
    void readBody(req).then((text) => {
      r.bodies.push(JSON.parse(text) as Record<string, unknown>)
      if (mode === 'answer') res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/SECRET-PATH`
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  receivers.push(r)
  return r
}

/** A URL where nothing listens: a port that was free a moment ago. */
async function closedPort(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/hook/SECRET-PATH`
}

interface Started {
  hr: Running
  /** Log lines, parsed. */
  lines: Array<Record<string, unknown>>
}

async function start(alerts: string, routes: string, providerExtra = ''): Promise<Started> {
  const lines: Array<Record<string, unknown>> = []
  const hr = await startOver(
    sim,
    `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}${providerExtra} }
routes:
${routes}
alerts: ${alerts}
`,
    createLogger('info', (line) => void lines.push(JSON.parse(line) as Record<string, unknown>)),
  )
  track(hr)
  return { hr, lines }
}

async function ask(hr: Running, model: string): Promise<number> {
  const res = await fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello.' }] }),
  })
  await res.arrayBuffer()
  return res.status
}

/** Waits (up to the test's timeout) until `done()`. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 20))
}

/** Time for any further (wrong) alert to show up: several of the engine's checks after an attempt. */
const settle = () => new Promise((r) => setTimeout(r, 400))

const alertLines = (s: Started) => s.lines.filter((l) => l['msg'] === 'alert')

/** These alerts, in order, reached the webhook and the log, and nothing more did (given time to repeat). */
async function expectAlerts(hook: Receiver, s: Started, expected: ReadonlyArray<Record<string, unknown>>) {
  await until(() => hook.bodies.length >= expected.length)
  await settle()
  expect(hook.bodies).toEqual(expected.map((e) => expect.objectContaining(e)))
  expect(alertLines(s)).toHaveLength(expected.length)
}
const ROUTE = '  tight: { targets: [openai/gpt-4.1-mini], retry: { attempts_per_target: 1 } }'

describe('alerts', () => {
  it("a target's limit drawn down across 80% and then 90%: exactly two alerts reach the webhook, none repeated", async () => {
    // 10 requests per 10 minutes: nothing refills to speak of while the test runs.
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10, windowMs: 600_000 })
    const hook = await receiver('answer')
    const s = await start(`{ webhook: "${hook.url}", headroom: [0.8, 0.9], budget: [], breaker: false }`, ROUTE)
    for (let i = 0; i < 10; i++) expect(await ask(s.hr, 'tight')).toBe(200)
    await expectAlerts(hook, s, [
      {
        type: 'headroom',
        level: 'warning',
        scope: 'target',
        name: 'openai#1/gpt-4.1-mini',
        dimension: 'requests',
        threshold: 0.8,
      },
      { type: 'headroom', level: 'critical', threshold: 0.9 },
    ])
    for (const b of hook.bodies) {
      expect(Object.keys(b).sort()).toEqual(
        ['at', 'dimension', 'level', 'message', 'name', 'scope', 'threshold', 'type', 'value'].sort(),
      )
      expect(b['value']).toBeGreaterThanOrEqual(b['threshold'] as number)
      expect(Date.parse(b['at'] as string)).not.toBeNaN()
    }
    expect(alertLines(s).map((l) => [l['level'], l['type'], l['threshold'], l['severity']])).toEqual([
      ['warn', 'headroom', 0.8, 'warning'],
      ['warn', 'headroom', 0.9, 'critical'],
    ])
  })

  it('a budget crossing 80% alerts once, also as it goes on to its cap', async () => {
    const hook = await receiver('answer')
    const s = await start(
      `{ webhook: "${hook.url}", headroom: [], budget: [0.8], breaker: false }`,
      '  capped: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 0.0001 } }',
    )
    const statuses: number[] = []
    while (statuses.at(-1) !== 429 && statuses.length < 50) statuses.push(await ask(s.hr, 'capped'))
    expect(statuses.at(-1)).toBe(429) // budget_exceeded: spent past the cap, through 80% on the way
    await ask(s.hr, 'capped')
    await expectAlerts(hook, s, [
      { type: 'budget', level: 'critical', scope: 'route', name: 'capped', period: 'day', threshold: 0.8 },
    ])
  })

  it('a breaker opening alerts once, while it stays open', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: { server_error: 1 } })
    const hook = await receiver('answer')
    const s = await start(
      `{ webhook: "${hook.url}", headroom: [], budget: [] }`,
      ROUTE,
      ', breaker: { volume_threshold: 2, reset_timeout_ms: 60000 }',
    )
    for (let i = 0; i < 2; i++) expect(await ask(s.hr, 'tight')).toBe(500)
    for (let i = 0; i < 3; i++) expect(await ask(s.hr, 'tight')).toBe(503) // open: no call made
    await expectAlerts(hook, s, [
      { type: 'breaker', level: 'critical', scope: 'target', name: 'openai#1/gpt-4.1-mini', value: 2 },
    ])
  })

  it('a webhook that is down delays no request; its outage is logged once, without its secret path', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10, windowMs: 600_000 })
    const s = await start(`{ webhook: "${await closedPort()}", headroom: [0.5, 0.8, 0.9], budget: [] }`, ROUTE)
    for (let i = 0; i < 10; i++) expect(await ask(s.hr, 'tight')).toBe(200)
    await until(() => alertLines(s).length >= 3 && s.lines.some((l) => /unreachable/.test(String(l['msg']))))
    await settle()
    const outage = s.lines.filter((l) => /alert webhook/.test(String(l['msg'])))
    expect(outage).toEqual([
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^alert webhook unreachable/) }),
    ])
    expect(JSON.stringify(s.lines)).not.toContain('SECRET-PATH')
  })

  it('a webhook that never answers delays no request', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10, windowMs: 600_000 })
    const hook = await receiver('hang')
    const s = await start(`{ webhook: "${hook.url}", headroom: [0.1, 0.2, 0.3, 0.4, 0.5], budget: [] }`, ROUTE)
    // The requests fire alerts whose POSTs hang (one at a time, each for up to 5 s): requests complete regardless.
    for (let i = 0; i < 6; i++) expect(await ask(s.hr, 'tight')).toBe(200)
    await until(() => hook.requests >= 1 && alertLines(s).length === 5)
    for (let i = 0; i < 2; i++) expect(await ask(s.hr, 'tight')).toBe(200)
    expect(hook.bodies.length).toBeGreaterThanOrEqual(1) // received, never answered
  })

  it('reload: alerts added to routes.yaml while it serves fire from then on', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10, windowMs: 600_000 })
    const hook = await receiver('answer')
    const file = join(mkdtempSync(join(tmpdir(), 'headroom-alerts-')), 'routes.yaml')
    const yaml = (alerts: string) =>
      `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\nroutes:\n${ROUTE}\n${alerts}`
    writeFileSync(file, yaml(''))
    const lines: Array<Record<string, unknown>> = []
    const log = createLogger('info', (line) => void lines.push(JSON.parse(line) as Record<string, unknown>))
    const hr = track(await startHeadroom({ dbPath: ':memory:', configPath: file, port: 0, env: {}, log, watch: false }))
    for (let i = 0; i < 6; i++) expect(await ask(hr, 'tight')).toBe(200) // 60% used: no alerts configured
    writeFileSync(file, yaml(`alerts: { webhook: "${hook.url}", headroom: [0.5, 0.9], budget: [] }\n`))
    expect(await hr.config.reload()).toBe(true)
    for (let i = 0; i < 3; i++) expect(await ask(hr, 'tight')).toBe(200)
    await expectAlerts(hook, { hr, lines }, [
      { type: 'headroom', level: 'warning', threshold: 0.5 },
      { type: 'headroom', level: 'critical', threshold: 0.9 },
    ])
  })
})
