/**
 * The request log end to end: one `msg: "request"` JSON line per client request with the contract's fields
 * (README, DESIGN "Contracts"), never the prompt's text unless routes.yaml says `log_prompts: true` (then
 * cut and scrubbed), never a key — checked with a marker string in the prompt and a marker provider key
 * that the simulator accepts. Also `headroom start` as a process whose stdout is a pipe: JSON lines, the
 * start-up banner among them, and HEADROOM_LOG_LEVEL=warn silencing the per-request lines.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createLogger, type LogLevel } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost, useServers, useSimulator } from './harness.ts'

const ROOT = join(import.meta.dirname, '..')
const MARKER_KEY = 'sk-marker-key-ZQ7x9v2LkPq4'
const CLIENT_KEY = 'client-marker-key-8KfW3n'
const MARKER_PROMPT = 'purple-elephant-7731'
const CONTRACT = [
  'requestId',
  'route',
  'target',
  'attempts',
  'status',
  'stream',
  'promptTokens',
  'completionTokens',
  'costUsd',
  'latencyMs',
  'ttftMs',
  'queuedMs',
  'cache',
]

const sim = useSimulator({ validKeys: [MARKER_KEY] })
const track = useServers()

function config(extra = ''): string {
  return `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${MARKER_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${MARKER_KEY} }
keys:
  - { name: team, key: ${CLIENT_KEY} }
routes:
  r: { targets: [openai/gpt-4.1-mini] }
  over: { strategy: ordered, targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
${extra}`
}

interface Line {
  level: string
  msg: string
  [field: string]: unknown
}

async function start(extra = '', level: LogLevel = 'info'): Promise<{ hr: Running; raw: string[] }> {
  const raw: string[] = []
  const log = createLogger(level, (l) => raw.push(l))
  const hr = track(await startHeadroom({ dbPath: ':memory:', configText: config(extra), port: 0, env: {}, log }))
  return { hr, raw }
}

const post = (hr: Running, path: string, body: unknown) =>
  rawPost(`${hr.url}${path}`, JSON.stringify(body), {
    'content-type': 'application/json',
    authorization: `Bearer ${CLIENT_KEY}`,
  })

const parsed = (raw: string[]): Line[] => raw.map((l) => JSON.parse(l) as Line)
const requestLines = (raw: string[]) => parsed(raw).filter((l) => l.msg === 'request')

describe('the request log', () => {
  it('one line per request, the contract fields, no prompt text, no key', async () => {
    const { hr, raw } = await start()
    const ask = (stream: boolean, model = 'r') =>
      post(hr, '/v1/chat/completions', {
        model,
        stream,
        messages: [{ role: 'user', content: `reply: ok ${MARKER_PROMPT} ${MARKER_KEY}` }],
      })
    const a = await ask(false)
    const b = await ask(true)
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'rate_limit' }])
    const c = await ask(false, 'over')
    const d = await post(hr, '/v1/chat/completions', {
      model: 'nope/x',
      messages: [{ role: 'user', content: MARKER_PROMPT }],
    })
    expect([a.status, b.status, c.status, d.status]).toEqual([200, 200, 200, 404])
    await vi.waitFor(() => expect(requestLines(raw)).toHaveLength(4))
    const [la, lb, lc, ld] = requestLines(raw)
    for (const l of requestLines(raw)) {
      expect(l.level).toBe('info')
      expect(Object.keys(l)).toEqual(expect.arrayContaining([...CONTRACT, 'api', 'errorCode']))
      expect(l).not.toHaveProperty('prompt')
      expect(l).not.toHaveProperty('answer')
    }
    expect(la).toMatchObject({
      requestId: a.headers.get('x-request-id'),
      api: 'chat',
      route: 'r',
      target: 'openai#1/gpt-4.1-mini',
      attempts: 1,
      status: 200,
      stream: false,
      ttftMs: null,
      queuedMs: 0,
      cache: 'bypass',
      errorCode: null,
    })
    expect(la!['promptTokens']).toBeGreaterThan(0)
    expect(la!['completionTokens']).toBeGreaterThan(0)
    expect(la!['costUsd']).toBeGreaterThan(0)
    expect(lb).toMatchObject({ stream: true, status: 200 })
    expect(typeof lb!['ttftMs']).toBe('number')
    expect(lc).toMatchObject({ route: 'over', attempts: 2, target: 'anthropic#1/claude-haiku-4-5' })
    expect(ld).toMatchObject({ status: 404, attempts: 0, target: null, errorCode: 'model_not_found' })
    // The cost is the spend table's, to the micro-cent.
    hr.spend.flush()
    const row = hr.db.sqlite
      .prepare('SELECT SUM(cost_microcents) AS c FROM spend WHERE request_id = ?')
      .get(a.headers.get('x-request-id')) as { c: number }
    expect(la!['costUsd']).toBeCloseTo(row.c / 1e8, 12)
    const all = raw.join('')
    expect(all).not.toContain(MARKER_PROMPT)
    expect(all).not.toContain(MARKER_KEY)
    expect(all).not.toContain(CLIENT_KEY)
  })

  it('failures: warn lines with the decision, still no key', async () => {
    const { hr, raw } = await start()
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'rate_limit' }, { kind: 'rate_limit' }, { kind: 'rate_limit' }])
    const r = await post(hr, '/v1/chat/completions', {
      model: 'r',
      messages: [{ role: 'user', content: `reply: ${MARKER_PROMPT}` }],
    })
    expect(r.status).toBe(429)
    await vi.waitFor(() => expect(requestLines(raw)).toHaveLength(1))
    const failed = parsed(raw).find((l) => l.msg === 'request failed')
    expect(failed).toMatchObject({
      level: 'warn',
      status: 429,
      route: 'r',
      decision: r.headers.get('x-headroom-decision'),
    })
    expect(requestLines(raw)[0]).toMatchObject({ status: 429, errorCode: 'rate_limit_exceeded' })
    expect(raw.join('')).not.toContain(MARKER_PROMPT)
    expect(raw.join('')).not.toContain(MARKER_KEY)
  })

  it('log_prompts: true adds the prompt and the answer, cut, keys scrubbed', async () => {
    const { hr, raw } = await start('log_prompts: true\n')
    const long = 'x'.repeat(3000)
    const r = await post(hr, '/v1/chat/completions', {
      model: 'r',
      messages: [
        { role: 'user', content: 'an earlier question' },
        { role: 'assistant', content: 'an earlier answer' },
        { role: 'user', content: `reply: hello ${MARKER_PROMPT} ${MARKER_KEY} ${long}` },
      ],
    })
    expect(r.status).toBe(200)
    await vi.waitFor(() => expect(requestLines(raw)).toHaveLength(1))
    const line = requestLines(raw)[0]!
    expect(line['prompt']).toContain(MARKER_PROMPT)
    expect(line['prompt']).not.toContain('an earlier question')
    expect((line['prompt'] as string).length).toBeLessThanOrEqual(1001)
    expect(line['answer']).toContain('hello')
    expect(raw.join('')).not.toContain(MARKER_KEY)
  })

  it('at warn, no request lines (and nothing is registered to build them)', async () => {
    const { hr, raw } = await start('', 'warn')
    const r = await post(hr, '/v1/chat/completions', { model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] })
    expect(r.status).toBe(200)
    await new Promise((res) => setTimeout(res, 20))
    expect(requestLines(raw)).toEqual([])
  })
})

describe('headroom start with stdout a pipe', () => {
  it('JSON lines: the banner, listening, one request line; HEADROOM_LOG_LEVEL=warn keeps the banner only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-log-'))
    const file = join(dir, 'routes.yaml')
    writeFileSync(file, 'providers:\n  openai: { type: openai, simulate: true }\n')
    for (const level of ['info', 'warn']) {
      const proc = spawn(
        process.execPath,
        [join(ROOT, 'bin', 'headroom.js'), 'start', '--config', file, '--port', '0'],
        {
          env: { ...process.env, HEADROOM_DB: join(dir, `${level}.db`), HEADROOM_LOG_LEVEL: level },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let stdout = ''
      let stderr = ''
      proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
      proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
      const exited = new Promise((r) => proc.once('exit', r))
      try {
        await vi.waitFor(() => expect(stderr).toMatch(/listening on http/), { timeout: 20_000, interval: 50 })
        const url = /listening on (http:\/\/\S+)/.exec(stderr)![1]!
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'openai/gpt-4.1-mini', messages: [{ role: 'user', content: MARKER_PROMPT }] }),
        })
        expect(res.status).toBe(200)
        await res.text()
      } finally {
        proc.kill('SIGTERM')
        await exited
      }
      const lines = stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Line)
      expect(lines.find((l) => l.msg.includes('SIMULATED PROVIDERS'))).toMatchObject({ level: 'warn' })
      expect(lines.filter((l) => l.msg === 'request')).toHaveLength(level === 'info' ? 1 : 0)
      expect(lines.some((l) => l.msg === 'listening')).toBe(level === 'info')
      expect(stdout).not.toContain(MARKER_PROMPT)
      expect(stderr).not.toContain('SIMULATED PROVIDERS')
    }
  }, 60_000)
})
