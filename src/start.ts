/**
 * Starting Headroom: load routes.yaml, start the built-in simulator for providers without a key (with a
 * banner that says so), compile the config, build the app and listen. Used by `headroom start` and by
 * the end-to-end tests, which start the real server on 127.0.0.1.
 */
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { parseDocument } from 'yaml'
import { createLogger, type Logger } from './logger.ts'
import { createAdapterRegistry } from './providers/registry.ts'
import { compileConfig, needsSimulator, type CompiledConfig } from './routing/compile.ts'
import { readFile } from 'node:fs/promises'
import { ConfigError, parseConfig } from './routing/config-load.ts'
import { ConfigStore } from './routing/config-store.ts'
import type { Runtime } from './routing/execute.ts'
import { TargetStates } from './routing/target-states.ts'
import { Admission } from './routing/admission.ts'
import { InboundLimits } from './routing/inbound.ts'
import { BudgetTracker, dayStart, monthStart } from './spend/budgets.ts'
import { openSpendDb, type SpendDb } from './spend/db.ts'
import { costSince } from './spend/queries.ts'
import { SpendWriter } from './spend/writer.ts'
import type { SpendSink } from './spend/types.ts'
import type { Config } from './routing/config-schema.ts'
import { chatListener, createApp, isChatRequest } from './server/app.ts'
import { startSimulator, type Simulator } from './simulator/index.ts'

export interface StartOptions {
  /** routes.yaml path. Default: HEADROOM_CONFIG, else ./routes.yaml, else the routes.yaml shipped with Headroom. */
  configPath?: string
  /** routes.yaml content, instead of a file (tests). */
  configText?: string
  port?: number
  host?: string
  env?: Record<string, string | undefined>
  log?: Logger
  /** Use this simulator instead of starting one (tests share one across servers). */
  simulatorUrl?: string
  /** Watch the config file and reload it on change (default true when started from a file). */
  watch?: boolean
  /** The spend database (default HEADROOM_DB, else ./headroom.db; `:memory:` for tests). */
  dbPath?: string
  /** The clock (tests move it across budget periods). */
  now?: () => number
}

/**
 * Budgets start from what SQLite says was spent this UTC day and month, per key and route with a budget
 * not yet tracked. Only those are tracked (BudgetTracker.add): names without a budget — direct
 * `provider/model` routes among them — cost nothing to serve.
 */
function seedBudgets(budgets: BudgetTracker, db: SpendDb, cfg: CompiledConfig, now: number): void {
  const names: Array<['key' | 'route', string]> = [
    ...[...cfg.auth.byHash.values()].filter((k) => k.budget !== null).map((k): ['key', string] => ['key', k.name]),
    ...[...cfg.routes.values()].filter((r) => r.budget !== null).map((r): ['route', string] => ['route', r.name]),
  ]
  for (const [scope, name] of names) {
    if (budgets.has(scope, name)) continue
    const filter = scope === 'key' ? { virtualKey: name } : { route: name }
    budgets.seed(scope, name, now, costSince(db, filter, dayStart(now)), costSince(db, filter, monthStart(now)))
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const t = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

export interface Running {
  url: string
  port: number
  db: SpendDb
  spend: SpendWriter
  /** The config in force (reloaded live when started from a file). */
  config: ConfigStore
  states: TargetStates
  readonly simulator: Simulator | null
  /** Stops: no new requests; those in flight get up to `drainMs` (default 0) to finish; then a final spend flush. */
  close(drainMs?: number): Promise<void>
}

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export function defaultConfigPath(env: Record<string, string | undefined>): string {
  if (env['HEADROOM_CONFIG']) return resolve(env['HEADROOM_CONFIG'])
  const local = resolve('routes.yaml')
  return existsSync(local) ? local : join(PACKAGE_ROOT, 'routes.yaml')
}

/** The `${VAR}` names providers read their keys from, for the banner. */
function keyVariables(text: string | undefined, provider: string): string | null {
  if (!text) return null
  const raw = parseDocument(text).getIn(['providers', provider, 'api_key'])
  const m = typeof raw === 'string' ? /\$\{([A-Za-z_][A-Za-z0-9_]*)/.exec(raw) : null
  return m ? m[1]! : null
}

export function simulatorBanner(cfg: CompiledConfig, simUrl: string, rawText?: string): string {
  const sim = [...cfg.providers.values()].filter((p) => p.simulated)
  const bar = '='.repeat(78)
  const lines = [
    bar,
    '  SIMULATED PROVIDERS: these answers are NOT from real models.',
    `  The built-in simulator (${simUrl}) is serving:`,
    ...sim.map((p) => {
      const v = keyVariables(rawText, p.name)
      return `    - ${p.name} (${p.type})${v ? `: set ${v} to use the real API` : ': no api_key set'}`
    }),
    bar,
  ]
  return lines.join('\n') + '\n'
}

export async function startHeadroom(opts: StartOptions = {}): Promise<Running> {
  const env = opts.env ?? process.env
  const log = opts.log ?? createLogger()
  // Start-up banners are for the person at the terminal; an embedding program (or a test) that brings its
  // own logger gets them as log lines instead.
  const banner = opts.log ? (text: string) => opts.log!.warn(text.trim()) : (text: string) => void process.stderr.write(text)
  let config: Config
  let rawText = opts.configText
  let configPath: string | null = null
  if (opts.configText !== undefined) {
    config = parseConfig(opts.configText, '<config>', env)
  } else {
    configPath = opts.configPath ?? defaultConfigPath(env)
    rawText = await readFile(configPath, 'utf8').catch((err: Error) => {
      throw new ConfigError(`${configPath}: cannot read: ${err.message}`)
    })
    config = parseConfig(rawText, configPath, env)
  }

  let simulator: Simulator | null = null
  let simulatorUrl = opts.simulatorUrl
  /** The simulator's URL, starting it the first time a config needs it (at start-up or on reload). */
  const simulatorFor = async (cfg: Config): Promise<string | undefined> => {
    if (needsSimulator(cfg) && !simulatorUrl) {
      simulator = await startSimulator({ host: '127.0.0.1', port: 0 })
      simulatorUrl = simulator.url
    }
    return simulatorUrl
  }
  const compiled = compileConfig(config, { simulatorUrl: await simulatorFor(config) })
  if (simulatorUrl && [...compiled.providers.values()].some((p) => p.simulated)) {
    banner(simulatorBanner(compiled, simulatorUrl, rawText))
  }

  const states = new TargetStates()
  states.retain(new Set(compiled.targets.keys())) // pins the configured targets

  const db = openSpendDb(opts.dbPath ?? env['HEADROOM_DB'] ?? 'headroom.db')
  const budgets = new BudgetTracker()
  seedBudgets(budgets, db, compiled, (opts.now ?? Date.now)())
  const writer = new SpendWriter(db, { logger: log, onRow: (row) => budgets.add(row) })
  // HEADROOM_SPEND=off (benchmarks only: measuring what the ledger costs) keeps rows out of SQLite.
  const sink: SpendSink = env['HEADROOM_SPEND'] === 'off' ? { write: (row) => budgets.add(row) } : writer
  if (!compiled.auth.enabled) {
    banner(`headroom: OPEN — routes.yaml declares no client keys, so anyone who can reach this port can use it (and spend on its provider keys).\n`)
  }
  const store = new ConfigStore(compiled, rawText ?? '', {
    file: configPath ?? '',
    env,
    log,
    simulatorUrl: simulatorFor,
    // Unchanged targets keep their health, cooldowns, latency and reservations; removed ones stop.
    onSwap: (next) => {
      states.retain(new Set(next.targets.keys()))
      // A budget new with this config starts from SQLite: rows still queued must be there first.
      writer.flush()
      seedBudgets(budgets, db, next, (opts.now ?? Date.now)())
    },
  })
  if (configPath && opts.watch !== false) store.watch()
  const adapters = createAdapterRegistry()
  const runtime: Runtime = {
    states,
    adapters,
    now: opts.now ?? Date.now,
    random: Math.random,
    log,
    sleep: abortableSleep,
    spend: sink,
    budgets,
    admission: new Admission({ now: opts.now ?? Date.now }),
    inbound: new InboundLimits(),
  }
  const deps = { config: store, runtime, log, db, flushSpend: () => writer.flush() }
  const app = createApp(deps)

  const host = opts.host ?? env['HOST'] ?? '127.0.0.1'
  const port = opts.port ?? Number(env['PORT'] ?? 8080)
  // Chat completions go straight to their handler; everything else through Hono.
  const chat = chatListener(deps)
  const hono = getRequestListener(app.fetch)
  const server = createServer((req, res) => (isChatRequest(req) ? chat(req, res) : void hono(req, res)))
  await new Promise<void>((resolveServer, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolveServer())
  })
  const addr = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`

  let closed = false
  return {
    url,
    port: addr.port,
    config: store,
    states,
    db,
    spend: writer,
    get simulator() {
      return simulator
    },
    async close(drainMs = 0) {
      if (closed) return
      closed = true
      // Stop accepting; requests in flight (streams included) may finish for up to drainMs, then
      // whatever is left is cut. Their spend rows are written either way.
      await new Promise<void>((r) => {
        const force = setTimeout(() => server.closeAllConnections(), drainMs)
        // Keep-alive connections whose request just finished go idle: close them as they do.
        const idle = setInterval(() => server.closeIdleConnections(), 50)
        server.close(() => {
          clearTimeout(force)
          clearInterval(idle)
          r()
        })
        server.closeIdleConnections()
      })
      store.close()
      runtime.admission.close()
      states.close()
      await adapters.close()
      writer.close() // the final flush: rows of requests that completed are not lost
      db.close()
      await simulator?.close()
    },
  }
}
