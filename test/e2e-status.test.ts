/**
 * `headroom status` against a real Headroom over the simulator: the table of targets and budgets, the
 * admin key, --watch redrawing until stopped, and what it says when it cannot get the state.
 */
import { describe, expect, it } from 'vitest'
import { statusCommand } from '../src/observe/status-cli.ts'
import type { Running } from '../src/start.ts'
import { SIM_KEY, startOver, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()
const ADMIN = 'admin-key-12345678'

async function start(): Promise<Running> {
  return track(
    await startOver(
      sim,
      `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
routes:
  fast: { targets: [openai/gpt-4.1-mini, openai/gpt-4.1-nano], budget: { daily_usd: 5 } }
admin_key: ${ADMIN}
`,
    ),
  )
}

async function ask(hr: Running): Promise<void> {
  const res = await fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'Say hello.' }] }),
  })
  expect(res.status).toBe(200)
  await res.arrayBuffer()
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, stop?: AbortSignal): Promise<string> {
  let text = ''
  await statusCommand(argv, { env, out: (t) => void (text += t), ...(stop ? { stop } : {}) })
  return text
}

describe('headroom status', () => {
  it("prints each target's state, headroom, runway, breaker and latency, and the budgets", async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 100 })
    const hr = await start()
    for (let i = 0; i < 3; i++) await ask(hr)
    const text = await run(['--url', hr.url], { HEADROOM_ADMIN_KEY: ADMIN })
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^TARGET\s+STATE\s+HEADROOM\s+RUNWAY\s+BREAKER\s+LATENCY$/)
    expect(lines[1]).toMatch(/^openai#1\/gpt-4\.1-mini\s+ok\s+97% requests\s+∞ requests\s+closed\s+\d+(\.\d)?m?s$/)
    // Planned but never called: no limits known, no latency measured.
    expect(lines[2]).toMatch(/^openai#1\/gpt-4\.1-nano\s+ok\s+-\s+-\s+closed\s+-$/)
    expect(text).toMatch(/\nBUDGET\s+PERIOD\s+SPENT\s+USED\s+RUNWAY\nroute fast\s+day\s+\$0\.00 of \$5\.00\s+0%\s+∞\n$/)
    // The key is the flag's too, and printed nowhere.
    const viaFlag = await run(['--url', hr.url, '--admin-key', ADMIN])
    expect(viaFlag.split('\n')[0]).toMatch(/^TARGET/)
    expect(text + viaFlag).not.toContain(ADMIN)
  })

  it('--watch redraws every second until stopped', async () => {
    const hr = await start()
    const stop = new AbortController()
    let frames = 0
    let text = ''
    await statusCommand(['--url', hr.url, '--watch'], {
      env: { HEADROOM_ADMIN_KEY: ADMIN },
      stop: stop.signal,
      out: (t) => {
        text += t
        if (++frames === 2) stop.abort()
      },
    })
    expect(frames).toBe(2)
    expect(text.split('\u001b[2J\u001b[H')).toHaveLength(3)
    expect(text).toMatch(/\(Ctrl-C to stop\)\n\nTARGET/)
  })

  it('says what to do: the admin key missing, nothing listening, a URL that is not one', async () => {
    const hr = await start()
    await expect(run(['--url', hr.url])).rejects.toThrow(/wants the admin key: set HEADROOM_ADMIN_KEY or --admin-key/)
    await expect(run(['--url', hr.url, '--admin-key', 'wrong-key-123456'])).rejects.toThrow(/wants the admin key/)
    await expect(run(['--url', 'http://127.0.0.1:9'])).rejects.toThrow(
      /^cannot reach Headroom at http:\/\/127\.0\.0\.1:9: .*\(is it running\? set --url\)$/,
    )
    await expect(run(['--url', 'ftp://x'])).rejects.toThrow(/--url must be an http:\/\/ or https:\/\/ URL/)
    await expect(run([], { PORT: '9' })).rejects.toThrow(/127\.0\.0\.1:9/)
    await expect(run(['--url', `${sim.url}/v1/models`])).rejects.toThrow(/not Headroom's routing state/)
  })
})
