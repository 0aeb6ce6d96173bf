/**
 * End-to-end harness: the real simulator and the real Headroom server on 127.0.0.1, and the real
 * `openai` SDK as the client. Nothing of ours is mocked.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest'
import { type Logger, silentLogger } from '../src/lib/logger.ts'
import { startSimulator } from '../src/simulator/index.ts'
import type { Simulator, SimulatorOptions } from '../src/simulator/types.ts'
import { type Running, startHeadroom } from '../src/start.ts'

export const SIM_KEY = 'sim-key'

export interface Stack {
  sim: Simulator
  hr: Running
  /** `openai` SDK pointed at Headroom, no retries. */
  client: OpenAI
  close(): Promise<void>
}

/** Providers pointing at the simulator by base_url, plus one provider per type with a wrong key. */
export function testConfig(sim: string, extra = ''): string {
  return `providers:
  openai: { type: openai, base_url: "${sim}/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim}", api_key: ${SIM_KEY} }
  google: { type: gemini, base_url: "${sim}", api_key: ${SIM_KEY} }
  openai-badkey: { type: openai, base_url: "${sim}/v1", api_key: sk-wrong-key-123456 }
  anthropic-badkey: { type: anthropic, base_url: "${sim}", api_key: sk-ant-wrong-key-123456 }
  google-badkey: { type: gemini, base_url: "${sim}", api_key: AIzaWrongKey1234567890 }
  compat: { type: openai-compatible, base_url: "${sim}/v1", api_key: ${SIM_KEY} }
${extra}`
}

/** The `openai` SDK pointed at a running Headroom with a client key, no retries. */
export const openaiClient = (hr: Running, apiKey: string): OpenAI =>
  new OpenAI({ baseURL: `${hr.url}/v1`, apiKey, maxRetries: 0, timeout: 15_000 })

export async function startStack(
  opts: { sim?: SimulatorOptions; config?: (simUrl: string) => string } = {},
): Promise<Stack> {
  const sim = await startSimulator({ validKeys: [SIM_KEY], ...opts.sim })
  const hr = await startHeadroom({
    dbPath: ':memory:',
    configText: (opts.config ?? ((u) => testConfig(u)))(sim.url),
    port: 0,
    host: '127.0.0.1',
    env: {},
    log: silentLogger,
  })
  const client = openaiClient(hr, 'client-key')
  return {
    sim,
    hr,
    client,
    async close() {
      await hr.close()
      await sim.close()
    },
  }
}

/** A 1×1 PNG as a data: URL. */
export const PIXEL_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

/** A tiny PDF, base64, and Anthropic's document block holding it as `spec.pdf`. */
export const PDF_BASE64 = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n').toString('base64')
export const PDF_DOCUMENT = {
  type: 'document' as const,
  title: 'spec.pdf',
  source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: PDF_BASE64 },
}

export const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
}

export const TIME_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    description: 'Local time in a timezone',
    parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
  },
}

/** Raw HTTP to Headroom, for what the SDK would refuse to send. */
export async function rawPost(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await fetch(url, { method: 'POST', headers, body })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: json as { error?: { message: string; type: string; param: string | null; code: string | null } },
  }
}

/** Models whose simulator settings tests change; put back after each test. */
const TUNED: ReadonlyArray<readonly ['openai' | 'anthropic' | 'gemini', string]> = [
  ['openai', 'gpt-4.1-mini'],
  ['anthropic', 'claude-haiku-4-5'],
  ['gemini', 'gemini-2.5-flash'],
]

/**
 * One simulator for a test file: started before its tests, closed after, and after each test reset
 * (scripts, counters, limits) with the settings tests change put back (configure() outlives reset()).
 * Returns a stand-in that forwards to the running simulator, usable at the top of a file.
 */
export function useSimulator(opts: SimulatorOptions = {}): Simulator {
  let sim: Simulator | undefined
  beforeAll(async () => {
    sim = await startSimulator(opts)
  })
  afterEach(() => {
    sim?.reset()
    for (const [api, model] of TUNED)
      sim?.configure(api, model, {
        rpm: undefined,
        tpm: undefined,
        windowMs: undefined,
        ttftMs: 0,
        tokenDelayMs: 0,
        faultRates: {},
      })
  })
  afterAll(async () => {
    await sim?.close()
  })
  return new Proxy({} as Simulator, {
    get: (_t, prop) => {
      const v = (sim as unknown as Record<PropertyKey, unknown>)[prop]
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(sim) : v
    },
  })
}

/** Headroom on 127.0.0.1 (any free port) with this routes.yaml, over a simulator already running. */
export function startOver(sim: Simulator, configText: string, log: Logger = silentLogger): Promise<Running> {
  return startHeadroom({
    dbPath: ':memory:',
    configText,
    port: 0,
    host: '127.0.0.1',
    env: {},
    log,
    simulatorUrl: sim.url,
  })
}

/** Headroom servers started by a test, closed after it. */
export function useServers(): (hr: Running) => Running {
  const servers: Running[] = []
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close()
  })
  return (hr) => {
    servers.push(hr)
    return hr
  }
}

/**
 * Three Headroom replicas started one after the other on one routes.yaml and one environment (sharing a
 * Redis prefix, say), against the simulator at `simUrl`, each handed to `track` to be closed after the test.
 */
export async function startThree(
  configText: string,
  env: Record<string, string>,
  simUrl: string,
  track: (hr: Running) => Running,
): Promise<Running[]> {
  const start = async () =>
    track(
      await startHeadroom({ dbPath: ':memory:', configText, port: 0, env, log: silentLogger, simulatorUrl: simUrl }),
    )
  return [await start(), await start(), await start()]
}

/** Reads a stream to its end or its error: the text received, and the error (null when it ended well). */
export async function drainText(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): Promise<{ text: string; error: unknown }> {
  let text = ''
  try {
    for await (const c of stream) text += c.choices[0]?.delta.content ?? ''
  } catch (error) {
    return { text, error }
  }
  return { text, error: null }
}

/** The real CLI (`headroom start`) as a child process, in its own process group. */
export interface CliServer {
  /** Its stderr so far. */
  stderr(): string
  /** Resolves with its base URL once it says it is listening. */
  listening(): Promise<string>
  /** SIGTERM, then its exit (or 'still running' after 15 s). */
  terminate(): Promise<{ code: number | null; signal: string | null } | 'still running'>
  /** SIGKILL to the whole group, so that nothing the launcher started is left behind. */
  killGroup(): void
}

export function spawnCli(config: string, env: Record<string, string>): CliServer {
  const proc = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', 'bin', 'headroom.js'), 'start', '--config', config, '--port', '0'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  )
  let stderr = ''
  proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()))
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal })),
  )
  return {
    stderr: () => stderr,
    async listening() {
      await vi.waitFor(() => expect(stderr).toMatch(/listening on http/), { timeout: 20_000, interval: 50 })
      return /listening on (http:\/\/\S+)/.exec(stderr)![1]!
    },
    terminate() {
      proc.kill('SIGTERM')
      return Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 15_000))])
    },
    killGroup() {
      try {
        process.kill(-proc.pid!, 'SIGKILL')
      } catch {
        // the group is gone: nothing was left behind
      }
    },
  }
}
