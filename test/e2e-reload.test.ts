/**
 * Live reloads that would lose something by accident: a `${VAR}` renamed to one that is not set must not
 * switch a real provider to the simulator, drop one of its keys, or open the router. The edit is refused,
 * naming the variable, and the old config keeps serving; saying so in the file (`simulate: true`,
 * `auth: open`) is allowed, and loudly logged. Real server, real simulator (standing in for the real APIs).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Logger } from '../src/lib/logger.ts'
import { startHeadroom } from '../src/start.ts'
import { SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY, 'key-b-123'] })
const track = useServers()

const ENV = {
  ANTHROPIC_API_KEY: SIM_KEY,
  OPENAI_KEY_A: SIM_KEY,
  OPENAI_KEY_B: 'key-b-123',
  TEAM_KEY: 'team-secret-123',
  ADMIN_KEY: 'admin-secret-123',
}

/** A logger that keeps every line, `level msg {fields}`. */
function recorder(): Logger & { lines: string[]; text(): string } {
  const lines: string[] = []
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push(`${level} ${msg} ${fields ? JSON.stringify(fields) : ''}`)
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), text: () => lines.join('\n') }
}

async function start(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'headroom-reload-')), 'routes.yaml')
  writeFileSync(file, text)
  const log = recorder()
  // No simulatorUrl: Headroom starts its built-in simulator itself if a config needs one, as in production.
  const hr = track(await startHeadroom({ dbPath: ':memory:', configPath: file, port: 0, env: ENV, log, watch: false }))
  const edit = async (next: string) => {
    log.lines.length = 0
    writeFileSync(file, next)
    return hr.config.reload()
  }
  return { hr, log, edit }
}

const chat = (url: string, model: string, key?: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'reply: ok' }] }),
  })

const providers = (anthropicKey: string, extra = '') => `providers:
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${anthropicKey}${extra} }
routes:
  r:
    targets: [anthropic/claude-haiku-4-5]
`

describe('a reload never switches a real provider to the simulator', () => {
  it('refuses a key variable renamed to an unset one, naming it; the real provider keeps serving', async () => {
    const { hr, log, edit } = await start(providers('${ANTHROPIC_API_KEY}'))
    expect(await edit(providers('${ANTHROPIC_KEY_B}'))).toBe(false)
    expect(log.text()).toContain(
      'providers.anthropic: ANTHROPIC_KEY_B is not set; a reload may not turn a real provider into a simulated one (set the variable, or write simulate: true to mean it)',
    )
    expect(log.lines[0]).toMatch(/^error config reload rejected/)
    expect(hr.config.current().providers.get('anthropic')!.simulated).toBe(false)
    expect(hr.simulator).toBeNull() // nothing was started for the refused edit
    const res = await chat(hr.url, 'r')
    expect(res.status).toBe(200)
    expect(sim.stats({ api: 'anthropic', status: 200 })).toBe(1) // the real (stand-in) API answered
    const health = (await (await fetch(`${hr.url}/health`)).json()) as {
      providers: Record<string, { simulated: boolean }>
    }
    expect(health.providers['anthropic']!.simulated).toBe(false)
  })

  it('refuses a deleted key too; accepts simulate: true, and says loudly that it simulates', async () => {
    const { hr, log, edit } = await start(providers('${ANTHROPIC_API_KEY}'))
    expect(await edit(providers('null'))).toBe(false)
    expect(log.text()).toContain(
      'providers.anthropic: no key is set; a reload may not turn a real provider into a simulated one',
    )

    expect(await edit(providers('${ANTHROPIC_KEY_B}', ', simulate: true'))).toBe(true)
    expect(hr.config.current().providers.get('anthropic')!.simulated).toBe(true)
    expect(log.text()).toMatch(
      /^warn =+\n {2}SIMULATED PROVIDERS: these answers are NOT from real models[\s\S]*- anthropic \(anthropic\): simulate: true/m,
    )
    expect((await chat(hr.url, 'r')).status).toBe(200)
    expect(sim.stats({ api: 'anthropic' })).toBe(0) // the built-in simulator answered, not the provider
  })

  it('refuses dropping one of several keys to an unset variable; removing the entry is allowed', async () => {
    const keys = (list: string) => `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", keys: [${list}] }
routes:
  r:
    targets: [openai/gpt-4.1-mini]
`
    const { hr, log, edit } = await start(keys('"${OPENAI_KEY_A}", "${OPENAI_KEY_B}"'))
    const members = () =>
      hr.config
        .current()
        .routes.get('r')!
        .members.map((m) => m.target.keyAlias)
    expect(members()).toEqual(['openai#1', 'openai#2'])
    expect(await edit(keys('"${OPENAI_KEY_A}", "${OPENAI_KEY_BB}"'))).toBe(false)
    expect(log.text()).toContain(
      "providers.openai.keys[1]: OPENAI_KEY_BB is not set; a reload may not drop one of a provider's keys (set the variable, or remove the entry to mean it)",
    )
    expect(members()).toEqual(['openai#1', 'openai#2'])
    expect(await edit(keys('"${OPENAI_KEY_A}"'))).toBe(true)
    expect(members()).toEqual(['openai#1'])
  })

  it('says at start-up, and on each reload, which key an unset variable made it skip', async () => {
    const text = `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", keys: ["\${OPENAI_KEY_A}", "\${OPENAI_KEY_C}"] }\n`
    const { log, edit } = await start(text)
    expect(log.text()).toContain(
      'warn headroom: providers.openai.keys[1]: OPENAI_KEY_C is not set; that key is skipped (provider openai has 1 key)',
    )
    expect(await edit(`${text}routes:\n  r: { targets: [openai/gpt-4.1-mini] }\n`)).toBe(true)
    expect(log.text()).toContain(
      'warn headroom: providers.openai.keys[1]: OPENAI_KEY_C is not set; that key is skipped',
    )
  })

  it('leaves simulate: auto at start-up as it was: simulated, with its banner naming the variable', async () => {
    const { hr, log, edit } = await start(providers('${ANTHROPIC_NOT_SET}'))
    expect(hr.config.current().providers.get('anthropic')!.simulated).toBe(true)
    // A provider that was simulated has nothing real to lose: an edit that keeps it so is accepted, and says so again.
    expect(await edit(providers('${ANTHROPIC_NOT_SET}', ', timeout_ms: 5000'))).toBe(true)
    expect(log.text()).toMatch(
      /^warn =+\n {2}SIMULATED PROVIDERS[\s\S]*- anthropic \(anthropic\): set ANTHROPIC_NOT_SET to use the real API/m,
    )
  })
})

describe('a reload never silently opens the router', () => {
  const closed = (admin: string, keys = `keys:\n  - { name: team, key: "\${TEAM_KEY}" }\n`) =>
    `${providers('${ANTHROPIC_API_KEY}')}${keys}admin_key: ${admin}\n`

  it('refuses removing the keys and the admin key; the router stays closed', async () => {
    const { hr, log, edit } = await start(closed('${ADMIN_KEY}'))
    expect(await edit(closed('${ADMIN_KEY_B}', ''))).toBe(false)
    expect(log.text()).toContain(
      'admin_key: ADMIN_KEY_B is not set and no client keys are declared: the router would be open to anyone; a reload may not remove authentication (set the variable, or write auth: open to mean it)',
    )
    expect((await chat(hr.url, 'r')).status).toBe(401)
    expect((await fetch(`${hr.url}/v1/spend`)).status).toBe(401)
    expect((await chat(hr.url, 'r', 'team-secret-123')).status).toBe(200)
  })

  it('opens with auth: open, logs the OPEN banner at warn, and again on every reload that leaves it open', async () => {
    const { hr, log, edit } = await start(closed('${ADMIN_KEY}'))
    expect(await edit(`${providers('${ANTHROPIC_API_KEY}')}auth: open\n`)).toBe(true)
    expect(log.text()).toMatch(/^warn headroom: OPEN — routes\.yaml declares no client keys/m)
    expect((await chat(hr.url, 'r')).status).toBe(200)
    expect((await fetch(`${hr.url}/v1/spend`)).status).toBe(200)
    // Open to open needs no auth: open (nothing is removed), and still says it.
    expect(await edit(providers('${ANTHROPIC_API_KEY}', ', timeout_ms: 5000'))).toBe(true)
    expect(log.text()).toMatch(/^warn headroom: OPEN/m)
  })

  it('refuses auth: open next to declared keys', async () => {
    const { log, edit } = await start(closed('${ADMIN_KEY}'))
    expect(await edit(`${closed('${ADMIN_KEY}')}auth: open\n`)).toBe(false)
    expect(log.text()).toMatch(/auth: auth: open, but client keys or an admin key are declared/)
  })

  it('refuses dropping the admin key to an unset variable; removing admin_key is allowed and opens nothing', async () => {
    const { hr, log, edit } = await start(closed('${ADMIN_KEY}'))
    expect(await edit(closed('${ADMIN_KEY_B}'))).toBe(false)
    expect(log.text()).toContain(
      'admin_key: ADMIN_KEY_B is not set; a reload may not drop the admin key (set the variable, or remove admin_key to mean it)',
    )
    expect((await fetch(`${hr.url}/v1/spend`, { headers: { authorization: 'Bearer admin-secret-123' } })).status).toBe(
      200,
    )

    expect(await edit(`${providers('${ANTHROPIC_API_KEY}')}keys:\n  - { name: team, key: "\${TEAM_KEY}" }\n`)).toBe(
      true,
    )
    for (const path of ['/v1/spend', '/v1/routing/state']) {
      expect((await fetch(`${hr.url}${path}`)).status).toBe(401)
      expect((await fetch(`${hr.url}${path}`, { headers: { authorization: 'Bearer team-secret-123' } })).status).toBe(
        403,
      )
      expect((await fetch(`${hr.url}${path}`, { headers: { authorization: 'Bearer admin-secret-123' } })).status).toBe(
        401,
      )
    }
    expect((await chat(hr.url, 'r')).status).toBe(401)
    expect((await chat(hr.url, 'r', 'team-secret-123')).status).toBe(200)
  })

  it('an admin key whose variable is unset at start-up opens nothing either', async () => {
    const { hr } = await start(closed('${ADMIN_KEY_NOT_SET}'))
    for (const path of ['/v1/spend', '/v1/routing/state']) {
      expect((await fetch(`${hr.url}${path}`)).status).toBe(401)
      expect((await fetch(`${hr.url}${path}`, { headers: { authorization: 'Bearer team-secret-123' } })).status).toBe(
        403,
      )
    }
    expect((await chat(hr.url, 'r')).status).toBe(401)
  })
})

describe('reverting a rejected edit', () => {
  it('logs that the file matches the configuration in force again', async () => {
    const good = providers('${ANTHROPIC_API_KEY}')
    const { log, edit } = await start(good)
    expect(await edit(good.replace('targets: [', 'targets: [nope/x, '))).toBe(false)
    expect(log.lines.at(-1)).toMatch(/^error config reload rejected/)
    expect(await edit(good)).toBe(false)
    expect(log.lines).toEqual([expect.stringMatching(/^info config file matches the configuration in force again/)])
    expect(await edit(good)).toBe(false) // once: nothing more to say
    expect(log.lines).toEqual([])
  })
})
