/**
 * Starting Headroom: load routes.yaml, start the built-in simulator for providers without a key (with a
 * banner that says so), compile the config, build the app and listen. Used by `headroom start` and by
 * the end-to-end tests, which start the real server on 127.0.0.1.
 */

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { BudgetTracker } from './admission/budgets.ts'
import { InboundLimits } from './admission/inbound.ts'
import { AdmissionQueue } from './admission/queue.ts'
import { RedisAdmission } from './admission/redis-state.ts'
import type { SpendSoFar } from './admission/shared-store.ts'
import { spendSoFar } from './admission/spend-so-far.ts'
import { compileConfig, needsSimulator } from './config/compile.ts'
import { defaultConfigPath, type LoadedConfig, loadConfigFile, loadConfigText } from './config/load.ts'
import { type ConfigVersion, configNotices } from './config/notices.ts'
import type { Config } from './config/schema.ts'
import { ConfigStore } from './config/store.ts'
import type { CompiledConfig, ServerLimits } from './config/types.ts'
import { warnUnpricedTargets } from './config/unpriced-targets.ts'
import { type Clock, systemClock } from './lib/clock.ts'
import { LogThrottle } from './lib/log-throttle.ts'
import { createProcessLogger, type Logger, logLevel } from './lib/logger.ts'
import { UserError } from './lib/user-error.ts'
import { dayStart, monthStart } from './lib/utc-period.ts'
import { AlertEngine } from './observe/alerts.ts'
import { PrometheusMetrics } from './observe/metrics.ts'
import { requestLog } from './observe/request-log.ts'
import { ConsumptionMeter } from './observe/runway.ts'
import { WebhookSender } from './observe/webhook.ts'
import { BUILTIN_PROVIDERS, createAdapterRegistry, type ProviderRegistry } from './providers/registry.ts'
import type { AttemptListener } from './routing/events.ts'
import type { Runtime } from './routing/runtime.ts'
import { TargetStates } from './routing/target-states.ts'
import { modelEndpoint, serveModelCall } from './server/answer-node.ts'
import { createApp } from './server/app.ts'
import { ResponseStore } from './server/response-store.ts'
import { type Simulator, startSimulator } from './simulator/index.ts'
import { spendListener } from './spend/attempt-row.ts'
import type { SpendDb } from './spend/db.ts'
import { type AnySpendDb, closeAnySpendDb, costsSince, openAnySpendDb } from './spend/store.ts'
import type { SpendRow, SpendSink } from './spend/types.ts'
import { SpendWriter } from './spend/writer.ts'
import { RedisHeadroom } from './state/redis-headroom.ts'
import { RedisHealth } from './state/redis-health.ts'
import { RedisResponses } from './state/redis-responses.ts'

export interface StartOptions {
  /** routes.yaml path. Default: HEADROOM_CONFIG, else ./routes.yaml, else the routes.yaml shipped with Headroom. */
  configPath?: string
  /** routes.yaml content, instead of a file (tests). */
  configText?: string
  /** A number, or text as given on the command line (checked; PORT when unset). */
  port?: number | string
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
  /** The provider types routes.yaml may use (default: the built-in ones, providers/registry.ts). */
  providers?: ProviderRegistry
  /** More listeners of attempts and requests, after Headroom's own (tests; an embedding program's). */
  listeners?: readonly AttemptListener[]
}

/**
 * Budgets start from what the spend database says was spent this UTC day and month, per key and route with a budget
 * not yet tracked. Only those are tracked (BudgetTracker.add): names without a budget — direct
 * `provider/model` routes among them — cost nothing to serve.
 */
function seedBudgets(budgets: BudgetTracker, db: AnySpendDb, cfg: CompiledConfig, now: number): void | Promise<void> {
  const names: Array<['key' | 'route', string]> = [
    ...[...cfg.auth.byHash.values()].filter((k) => k.budget !== null).map((k): ['key', string] => ['key', k.name]),
    ...[...cfg.routes.values()].filter((r) => r.budget !== null).map((r): ['route', string] => ['route', r.name]),
  ]
  const seed = (scope: 'key' | 'route', name: string, [day, month]: number[]) => {
    if (!budgets.has(scope, name)) budgets.seed(scope, name, now, day!, month!)
  }
  const pending: Array<Promise<void>> = []
  for (const [scope, name] of names) {
    if (budgets.has(scope, name)) continue
    const filter = scope === 'key' ? { virtualKey: name } : { route: name }
    // SQLite answers at once, as before; PostgreSQL's answers are awaited.
    const costs = costsSince(db, filter, [dayStart(now), monthStart(now)])
    if (Array.isArray(costs)) seed(scope, name, costs)
    else pending.push(costs.then((c) => seed(scope, name, c)))
  }
  if (pending.length > 0) return Promise.all(pending).then(() => {})
}

export interface Running {
  url: string
  port: number
  /** The SQLite spend database (throws when HEADROOM_DB is PostgreSQL: see spendDb). */
  readonly db: SpendDb
  /** The spend database, SQLite or PostgreSQL. */
  spendDb: AnySpendDb
  spend: SpendWriter
  /** The config in force (reloaded live when started from a file). */
  config: ConfigStore
  states: TargetStates
  readonly simulator: Simulator | null
  /** Stops: no new requests; those in flight get up to `drainMs` (default 0) to finish; then a final spend flush. */
  close(drainMs?: number): Promise<void>
}

/**
 * routes.yaml `server` onto the live server. Node reads these at each check, connection and response, so
 * a reload applies them too (a keep-alive connection already idle keeps the timer it was given).
 */
function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs
  server.requestTimeout = limits.requestTimeoutMs
  server.maxConnections = limits.maxConnections
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
}

/**
 * How often Node looks for requests past their header or request timeout (fixed when the server is
 * created; Node's default, 30 s, would let a 30 s limit run to 60 s): a tenth of the shorter limit,
 * between 50 ms and 1 s.
 */
function checkEvery(limits: ServerLimits): number {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs || Number.POSITIVE_INFINITY)
  return Math.max(50, Math.min(1_000, Math.floor(shortest / 10)))
}

/** PORT / --port as a number, or a UserError saying what is wrong with it. */
function listenPort(raw: number | string): number {
  const port = typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserError(`port "${raw}" is not a port number (0 to 65535): set PORT or --port`)
  return port
}

/** What the user can do about a failed listen; other errors as they are. */
function listenError(err: unknown, host: string, port: number): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new UserError(`port ${port} is in use: set PORT or --port`, { cause: err })
    case 'EACCES':
      return new UserError(
        `port ${port} needs privileges this user does not have (ports below 1024 usually do): set PORT or --port`,
        { cause: err },
      )
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UserError(`host ${host} is not an address of this machine: set HOST or --host`, { cause: err })
    default:
      return err
  }
}

/**
 * HEADROOM_REDIS_URL set: client-key limits, budgets, targets' headroom and kept /v1/responses answers shared
 * with the other replicas through Redis (docs/scale-out.md), keys under HEADROOM_REDIS_PREFIX (default
 * `headroom:`). Unset: this process alone.
 */
async function sharedState(env: NodeJS.ProcessEnv, log: Logger, spent: SpendSoFar): Promise<RedisAdmission | null> {
  const url = env['HEADROOM_REDIS_URL']
  if (!url) return null
  if (!/^rediss?:\/\//.test(url))
    throw new UserError('HEADROOM_REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)')
  const timeout = env['HEADROOM_REDIS_TIMEOUT_MS']
  if (timeout !== undefined && !/^[1-9]\d{0,4}$/.test(timeout))
    throw new UserError(
      `HEADROOM_REDIS_TIMEOUT_MS must be a number of milliseconds (1 to 99999), not "${timeout.slice(0, 20)}"`,
    )
  // Slower than this and Redis counts as down (default 50 ms, state/redis-link.ts).
  const timeoutMs = timeout === undefined ? undefined : Number(timeout)
  const link = { url, prefix: env['HEADROOM_REDIS_PREFIX'] || 'headroom:', log, timeoutMs }
  const shared = new RedisAdmission(link, { spendSoFar: spent })
  await shared.connect()
  return shared
}

/**
 * With Redis: the configured targets' cooldowns and breaker openings told to, and heard from, the other
 * replicas (state/redis-health.ts). Waits at most a second for the subscription.
 */
async function shareTargetHealth(
  shared: RedisAdmission | null,
  states: TargetStates,
  config: ConfigStore,
  now: () => number,
  log: Logger,
): Promise<RedisHealth | null> {
  if (!shared) return null
  const health = new RedisHealth({
    link: shared.link,
    states,
    log,
    now,
    ids: () => config.current().targets.keys(),
    resolve: (id) => {
      const cfg = config.current()
      const target = cfg.targets.get(id)
      const provider = target && cfg.providers.get(target.provider)
      return target && provider ? { target, config: provider.stateConfig } : null
    },
  })
  await health.start()
  return health
}

export async function startHeadroom(opts: StartOptions = {}): Promise<Running> {
  const env = opts.env ?? process.env
  // A person at a terminal reads the banners as text and the log through pino-pretty; anything else (a log
  // shipper, an embedding program, a test bringing its own logger) gets JSON lines, the banners included.
  const terminal = opts.log === undefined && process.stdout.isTTY === true
  const log = opts.log ?? (await createProcessLogger(logLevel(env['HEADROOM_LOG_LEVEL']), terminal))
  const banner = terminal ? (text: string) => void process.stderr.write(text) : (text: string) => log.warn(text.trim())
  let loaded: LoadedConfig
  let rawText = opts.configText
  let configPath: string | null = null
  if (opts.configText !== undefined) {
    loaded = loadConfigText(opts.configText, '<config>', env, opts.providers)
  } else {
    configPath = opts.configPath ?? defaultConfigPath(env)
    const { text, ...file } = await loadConfigFile(configPath, env, opts.providers)
    rawText = text
    loaded = file
  }

  const host = opts.host ?? env['HOST'] ?? '127.0.0.1'
  const port = listenPort(opts.port ?? env['PORT'] ?? 8080)
  const db = await openAnySpendDb(opts.dbPath ?? env['HEADROOM_DB'] ?? 'headroom.db')

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
  const providers = opts.providers ?? BUILTIN_PROVIDERS
  const compiled = compileConfig(loaded.config, { simulatorUrl: await simulatorFor(loaded.config), providers })
  const initial: ConfigVersion = { ...loaded, compiled }

  const states = new TargetStates()
  states.retain(new Set(compiled.targets.keys())) // pins the configured targets

  const budgets = new BudgetTracker()
  await seedBudgets(budgets, db, compiled, (opts.now ?? Date.now)())
  // HEADROOM_SPEND=off (benchmarks only: measuring what the ledger costs) keeps rows out of SQLite.
  const ledger = env['HEADROOM_SPEND'] !== 'off'
  // A budget counter Redis lost is rebuilt from the spend table (the writer is created below; asked later).
  const sharedTable =
    ledger && !('sqlite' in db)
      ? async (filter: { virtualKey?: string; route?: string }, since: number[]) => costsSince(db, filter, since)
      : null
  const spent = spendSoFar({ sharedTable, budgets, flush: () => writer.flushAsync() })
  const shared = await sharedState(env, log, spent)
  // Each spend row counts toward the budgets here and, once per row, in the shared counters.
  const countSpend = (row: SpendRow) => {
    budgets.add(row)
    if (!shared || row.costMicrocents <= 0) return
    const scopes: Array<{ scope: 'key' | 'route'; name: string }> = []
    if (row.virtualKey !== null && budgets.has('key', row.virtualKey))
      scopes.push({ scope: 'key', name: row.virtualKey })
    if (budgets.has('route', row.route)) scopes.push({ scope: 'route', name: row.route })
    const rowId = `${row.requestId}:${row.attempt}`
    void shared.addSpend({
      requestId: row.requestId,
      rowId,
      ts: row.ts,
      microcents: row.costMicrocents,
      budgets: scopes,
    })
  }
  const writer = new SpendWriter(db, { logger: log, onRow: countSpend })
  const sink: SpendSink = ledger ? writer : { write: countSpend }
  warnUnpricedTargets(compiled, log)
  const store = new ConfigStore(initial, rawText ?? '', {
    file: configPath ?? '',
    env,
    log,
    providers,
    simulatorUrl: simulatorFor,
    // Unchanged targets keep their health, cooldowns, latency and reservations; removed ones stop.
    onSwap: (next) => {
      applyServerLimits(server, next.server)
      states.retain(new Set(next.targets.keys()))
      // A budget new with this config starts from SQLite: rows still queued must be there first.
      if ('sqlite' in db) {
        writer.flush()
        void seedBudgets(budgets, db, next, (opts.now ?? Date.now)())
      } else {
        writer
          .flushAsync()
          .then(() => seedBudgets(budgets, db, next, (opts.now ?? Date.now)()))
          .catch((err: unknown) => log.error('budgets not seeded from the spend database', { error: String(err) }))
      }
      warnUnpricedTargets(next, log)
    },
  })
  if (configPath && opts.watch !== false) store.watch()
  // Traces only when an OTLP endpoint is set: otherwise OpenTelemetry is not even loaded.
  const tracing =
    env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']
      ? (await import('./observe/tracing.ts')).startTracing(env)
      : null
  const adapters = createAdapterRegistry(providers)
  const clock: Clock = opts.now ? { ...systemClock, now: opts.now } : systemClock
  const sharedHealth = await shareTargetHealth(shared, states, store, clock.now, log)
  const queue = new AdmissionQueue({ clock })
  const consumption = new ConsumptionMeter()
  // Alerts read the config in force at each check: a reload changes thresholds and webhook at once.
  const webhook = new WebhookSender({ clock, log })
  const alerts = new AlertEngine({ config: store, states, consumption, budgets, clock, log, webhook })
  alerts.start()
  const metrics = new PrometheusMetrics({
    config: store,
    states,
    consumption,
    queue,
    budgets,
    spendRowsDropped: () => writer.health().dropped,
    now: clock.now,
  })
  const runtime: Runtime = {
    ...clock,
    states,
    adapters,
    random: Math.random,
    log,
    listeners: [
      spendListener(sink),
      consumption,
      alerts,
      metrics,
      // One line per request, unless the level leaves them out (then nothing is built for them either).
      ...(log.enabled?.('info') === false ? [] : [requestLog(log, store)]),
      ...(tracing ? [tracing.listener] : []),
      ...(opts.listeners ?? []),
    ],
    queue,
    // Targets' headroom over the same connection as the admission state (one degraded flag for both).
    ...(shared ? { sharedLimits: new RedisHeadroom(shared.link) } : {}),
  }
  const deps = {
    config: store,
    runtime,
    budgets,
    consumption,
    metrics,
    inbound: new InboundLimits(),
    shared,
    log,
    db,
    flushSpend: () => writer.flushAsync(),
    spendHealth: () => writer.health(),
    clientWarnings: new LogThrottle(log, { now: opts.now ?? Date.now }),
    responses: new ResponseStore({
      now: clock.now,
      limits: () => store.current().responses,
      share: shared ? new RedisResponses(shared.link) : null,
    }),
  }
  const app = createApp(deps)

  /** Everything start-up opened, in the order it is let go (the server is closed before this). */
  const release = async () => {
    await sharedHealth?.close() // first: no peer's news creates a state after states.close()
    alerts.close()
    webhook.close()
    store.close()
    queue.close()
    states.close()
    await adapters.close()
    await writer.closeAsync() // the final flush: rows of requests that completed are not lost
    await closeAnySpendDb(db)
    await tracing?.shutdown() // the spans still batched are exported
    await simulator?.close()
    await shared?.close()
  }

  // Chat completions, messages and responses go straight to their handler; everything else through Hono.
  const serveModel = serveModelCall(deps)
  const hono = getRequestListener(app.fetch)
  const server = createServer({ connectionsCheckingInterval: checkEvery(compiled.server) }, (req, res) => {
    const endpoint = modelEndpoint(req)
    if (endpoint) serveModel(endpoint, req, res)
    else void hono(req, res)
  })
  applyServerLimits(server, compiled.server)
  try {
    await new Promise<void>((resolveServer, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolveServer())
    })
  } catch (err) {
    await release()
    throw listenError(err, host, port)
  }
  // After listening: a start-up that fails (a port in use) prints its one error line, not the banners first.
  for (const notice of configNotices(initial, simulatorUrl)) banner(notice)
  const addr = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`
  if (!terminal) log.info('listening', { url })

  let closed = false
  return {
    url,
    port: addr.port,
    config: store,
    states,
    get db(): SpendDb {
      if (!('sqlite' in db)) throw new Error('the spend database is PostgreSQL: use spendDb')
      return db
    },
    spendDb: db,
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
      await release()
    },
  }
}
