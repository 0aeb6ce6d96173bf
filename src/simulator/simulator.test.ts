import { spawn } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenerativeAI } from '@google/generative-ai'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { parseSimulateArgs } from './cli.ts'
import { type Simulator, startSimulator } from './index.ts'
import { rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
const OA = { authorization: 'Bearer sk-test' }
const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content }],
  ...extra,
})

useFileSimulator(3, (s) => {
  sim = s
})

describe('faults', () => {
  it('stall never sends headers and holds the socket until the client gives up', async () => {
    sim.script('openai', '*', [{ kind: 'stall' }])
    const err = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: OA,
      body: JSON.stringify(chat('x')),
      signal: AbortSignal.timeout(300),
    }).then(
      () => null,
      (e: unknown) => e,
    )
    // fetch resolves at the response head: a timeout means none came before the client gave up.
    expect((err as Error).name).toBe('TimeoutError')
    expect(sim.log[0]).toMatchObject({ status: 0, fault: 'stall' })
  })

  it('wrong_content_type answers 200 text/html; custom sends the given status and body', async () => {
    sim.script('*', '*', [{ kind: 'wrong_content_type' }, { kind: 'custom', status: 418, body: { teapot: true } }])
    const html = await rawPost(`${sim.url}/v1/chat/completions`, chat('x'), OA)
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toMatch(/^text\/html/)
    const custom = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    expect(custom.status).toBe(418)
    expect(JSON.parse(custom.text)).toEqual({ teapot: true })
  })

  it('non-stream cut drops the connection; non-stream malformed sends a truncated body', async () => {
    sim.script('openai', 'gpt-4o-mini', [{ kind: 'cut' }, { kind: 'malformed' }])
    await expect(rawPost(`${sim.url}/v1/chat/completions`, chat('x'), OA)).rejects.toThrow()
    const m = await rawPost(`${sim.url}/v1/chat/completions`, chat('x'), OA)
    expect(m.status).toBe(200)
    expect(() => JSON.parse(m.text) as unknown).toThrow()
  })

  it('fault rates draw from the seeded stream: the same sequence after reset', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: { server_error: 0.3, overloaded: 0.2 } })
    const run = async () => {
      const out: number[] = []
      for (let i = 0; i < 20; i++)
        out.push((await rawPost(`${sim.url}/v1/chat/completions`, { ...chat('x'), model: 'gpt-4.1-mini' }, OA)).status)
      return out
    }
    const a = await run()
    sim.reset()
    expect(await run()).toEqual(a)
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(3)
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(3)
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: {} })
  })

  it('rate_limit fault uses retryAfterMs: retry-after rounded up, Gemini RetryInfo exact', async () => {
    sim.script('*', '*', [
      { kind: 'rate_limit', retryAfterMs: 1500 },
      { kind: 'rate_limit', retryAfterMs: 1500 },
    ])
    const o = await rawPost(`${sim.url}/v1/chat/completions`, chat('x'), OA)
    expect(o.status).toBe(429)
    expect(o.headers.get('retry-after')).toBe('2')
    const g = await rawPost(
      `${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      { contents: [{ parts: [{ text: 'x' }] }] },
      { 'x-goog-api-key': 'k' },
    )
    expect(JSON.stringify(JSON.parse(g.text))).toContain('"retryDelay":"1.5s"')
  })
})

// Pacing (ttftMs, tokenDelayMs) is tested on a fake clock in wire.test.ts.
describe('disconnects', () => {
  it('a client leaving mid-stream or mid-wait stops the work quietly and the server keeps serving', async () => {
    sim.configure('anthropic', 'claude-haiku-4-5', { ttftMs: 20, tokenDelayMs: 20 })
    const ctl = new AbortController()
    const r = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      signal: ctl.signal,
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 500,
        stream: true,
        messages: [{ role: 'user', content: 'tokens: 200' }],
      }),
    })
    const reader = (r.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    ctl.abort()
    const waiting = fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      signal: AbortSignal.timeout(30),
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 500,
        messages: [{ role: 'user', content: 'tokens: 200' }],
      }),
    })
    await expect(waiting).rejects.toThrow()
    sim.configure('anthropic', 'claude-haiku-4-5', { ttftMs: 0, tokenDelayMs: 0 })
    const ok = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    expect(ok.status).toBe(200)
  })
})

describe('control API, log and stats', () => {
  it('configures, scripts, counts, logs and resets over HTTP', async () => {
    const post = (path: string, body: unknown) => rawPost(`${sim.url}/_sim/${path}`, body, {})
    expect((await post('configure', { api: 'openai', model: 'gpt-4o-mini', config: { outputTokens: 3 } })).status).toBe(
      200,
    )
    expect((await post('script', { api: 'openai', model: '*', faults: [{ kind: 'server_error' }] })).status).toBe(200)
    expect((await post('configure', { api: 'openai', model: 'x', config: { nope: 1 } })).status).toBe(400)
    expect((await rawPost(`${sim.url}/v1/chat/completions`, chat('x'), OA)).status).toBe(500)
    const ok = JSON.parse((await rawPost(`${sim.url}/v1/chat/completions`, chat('x'), OA)).text) as {
      choices: Array<{ message: { content: string } }>
    }
    expect(ok.choices[0]?.message.content.split(' ')).toHaveLength(3)
    const stats = async (q: string) =>
      (JSON.parse(await (await fetch(`${sim.url}/_sim/stats?${q}`)).text()) as { count: number }).count
    expect(await stats('api=openai')).toBe(2)
    expect(await stats('api=openai&status=500')).toBe(1)
    expect(await stats('model=gpt-4o-mini-2024-07-18')).toBe(2)
    const log = JSON.parse(await (await fetch(`${sim.url}/_sim/log`)).text()) as {
      data: Array<{ key: string; status: number; path: string }>
    }
    expect(log.data.map((l) => l.status)).toEqual([500, 200])
    expect(log.data[0]?.key).not.toBe('sk-test')
    expect(log.data[0]?.path).toBe('/v1/chat/completions')
    expect((await post('reset', {})).status).toBe(200)
    expect(sim.stats()).toBe(0)
    sim.configure('openai', 'gpt-4o-mini', { outputTokens: 16 })
  })

  it('lists models in each API shape and counts tokens', async () => {
    const oa = new OpenAI({ apiKey: 'k', baseURL: `${sim.url}/v1`, maxRetries: 0 })
    const ids = []
    for await (const m of oa.models.list()) ids.push(m.id)
    expect(ids).toContain('gpt-5-mini')
    const an = new Anthropic({ apiKey: 'k', baseURL: sim.url, maxRetries: 0 })
    const claude: Array<{ id: string; created_at: string }> = []
    for await (const m of an.models.list()) claude.push(m)
    expect(claude.map((m) => m.id)).toEqual(
      expect.arrayContaining([
        'claude-haiku-4-5-20251001',
        'claude-sonnet-4-5-20250929',
        'claude-opus-4-1-20250805',
        'claude-3-opus-20240229',
      ]),
    )
    // Newest first, as Anthropic lists them.
    const created = claude.map((m) => m.created_at)
    expect(created).toEqual([...created].sort().reverse())
    const gm = JSON.parse(await (await fetch(`${sim.url}/v1beta/models?key=k`)).text()) as {
      models: Array<{ name: string }>
    }
    expect(gm.models.map((m) => m.name)).toContain('models/gemini-2.5-pro')
    const count = await new GoogleGenerativeAI('k')
      .getGenerativeModel({ model: 'gemini-2.0-flash' }, { baseUrl: sim.url })
      .countTokens('abcdefgh')
    expect(count.totalTokens).toBe(3 + 4 + 2)
  })

  it('accepts any model id on an API configured with the "*" model', async () => {
    const open = await startSimulator({ models: { openai: { '*': { outputTokens: 2 } } } })
    try {
      const r = await rawPost(
        `${open.url}/v1/chat/completions`,
        { model: 'my-local-llama', messages: [{ role: 'user', content: 'x' }] },
        OA,
      )
      expect(r.status).toBe(200)
      expect(
        (JSON.parse(r.text) as { model: string; usage: { completion_tokens: number } }).usage.completion_tokens,
      ).toBe(2)
      expect(
        (
          await rawPost(
            `${open.url}/v1/messages`,
            { model: 'claude-x', max_tokens: 5, messages: [] },
            { 'x-api-key': 'k', 'anthropic-version': '1' },
          )
        ).status,
      ).toBe(404)
    } finally {
      await open.close()
    }
  })
})

describe('CLI', () => {
  it('parses flags and a YAML config, refusing unknown flags and bad files precisely', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-'))
    const file = join(dir, 'sim.yaml')
    await writeFile(file, 'seed: 9\nvalidKeys: [a]\nmodels:\n  openai:\n    gpt-4o: { rpm: 5 }\n')
    expect(await parseSimulateArgs(['--config', file, '--port=0'])).toEqual({
      seed: 9,
      validKeys: ['a'],
      models: { openai: { 'gpt-4o': { rpm: 5 } } },
      port: 0,
    })
    await expect(parseSimulateArgs(['--verbose'])).rejects.toThrow(
      "unknown option '--verbose'; see headroom simulate --help",
    )
    await expect(parseSimulateArgs(['--port', 'x'])).rejects.toThrow(/--port must be an integer/)
    await writeFile(file, 'seed: nine\n')
    await expect(parseSimulateArgs(['--config', file])).rejects.toThrow(/invalid --config/)
  })

  it('simulateCommand prints the base URLs, serves, and stops cleanly on SIGTERM', async () => {
    const code =
      "import { simulateCommand } from './src/simulator/cli.ts'; await simulateCommand(['--port', '0', '--seed', '1'])"
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString()
          if (out.includes('\n')) resolve(out)
        })
        child.on('exit', () => reject(new Error(`exited early: ${out}`)))
        setTimeout(() => reject(new Error('no output in 10 s')), 10_000)
      })
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1] as string
      expect(line).toContain(`openai ${url}/v1`)
      const stats = (await (await fetch(`${url}/_sim/stats`)).json()) as { count: number }
      expect(stats.count).toBe(0)
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
