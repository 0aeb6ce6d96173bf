/**
 * headroom start | check | simulate
 */
import { parseArgs } from 'node:util'
import { readFile } from 'node:fs/promises'
import { compileConfig } from './routing/compile.ts'
import { ConfigError, parseConfig } from './routing/config-load.ts'
import { defaultConfigPath, startHeadroom } from './start.ts'
import { UserError } from './user-error.ts'

const USAGE = `usage:
  headroom start [--config routes.yaml] [--port 8080] [--host 127.0.0.1]
  headroom check [routes.yaml]          validate a config file and print its routes
  headroom spend [--db headroom.db] [--group-by model|provider|route|key|provider_key|user|day]
                 [--since 7d] [--until 2026-11-30] [--format table|csv|json]
                                        totals from the spend table
  headroom simulate [--port N] [--host H] [--seed N] [--config sim.yaml]
                                        run the provider simulator on its own
environment: PORT, HOST, HEADROOM_CONFIG, HEADROOM_DB, provider keys named in routes.yaml`

const DRAIN_MS = Number(process.env['HEADROOM_DRAIN_MS'] ?? 10_000)

async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  })
  const running = await startHeadroom({ configPath: values.config, port: values.port, host: values.host })
  process.stderr.write(`headroom listening on ${running.url} (POST ${running.url}/v1/chat/completions)\n`)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    process.stderr.write(`headroom: ${signal}, shutting down\n`)
    // In-flight requests get DRAIN_MS to finish (a deploy should not cut streams), then the spend flush.
    const force = setTimeout(() => process.exit(1), DRAIN_MS + 5_000)
    force.unref()
    void running.close(DRAIN_MS).then(() => process.exit(0))
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

async function check(argv: string[]): Promise<void> {
  const file = argv[0] ?? defaultConfigPath(process.env)
  const text = await readFile(file, 'utf8').catch((err: Error) => {
    throw new ConfigError(`${file}: cannot read: ${err.message}`)
  })
  const cfg = parseConfig(text, file)
  // Compiled as the server would (a placeholder URL stands in for the simulator): catalog entries, keys, tiers.
  const compiled = compileConfig(cfg, { simulatorUrl: 'http://simulator' })
  const out: string[] = [`${file}: OK`]
  for (const p of compiled.providers.values()) {
    const keys = p.simulated ? 'no key → simulated' : `${p.keys.length} key${p.keys.length === 1 ? '' : 's'}`
    const limits = Object.entries(p.config.limits).map(([k, v]) => `${k} ${v}`).join(', ')
    out.push(`provider ${p.name}: ${p.type} at ${p.simulated ? '(simulator)' : p.baseUrl} (${keys})${limits ? `; limits ${limits}` : ''}`)
  }
  for (const r of compiled.routes.values()) {
    out.push(`route ${r.name}${compiled.defaultRoute === r.name ? ' (default)' : ''}: ${r.strategy}, timeout ${r.timeoutMs} ms, ${r.retry.attemptsPerTarget} attempt(s) per target`)
    for (const m of r.members) {
      const price = m.model ? `$${m.model.price.input}/$${m.model.price.output} per 1M, context ${m.model.context}` : 'not in the catalog (unpriced)'
      const tier = r.strategy === 'cascade' ? ` tier ${m.tier}` : ''
      const weight = r.strategy === 'weighted' ? ` weight ${m.weight}` : ''
      out.push(`  ${m.position + 1}.${tier}${weight} ${m.target.stateId} — ${price}`)
    }
  }
  process.stdout.write(out.join('\n') + '\n')
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2)
  switch (cmd) {
    case 'start':
    case undefined:
      return start(rest)
    case 'check':
      return check(rest)
    case 'spend': {
      const { spendCommand, SpendUsageError } = await import('./spend/cli.ts')
      try {
        return await spendCommand(rest)
      } catch (err) {
        if (err instanceof SpendUsageError) {
          process.stderr.write(`${err.message}\n`)
          process.exit(2)
        }
        throw err
      }
    }
    case 'simulate': {
      const { simulateCommand } = await import('./simulator/cli.ts')
      return simulateCommand(rest)
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n')
      return
    default:
      process.stderr.write(`headroom: unknown command "${cmd}"\n${USAGE}\n`)
      process.exit(2)
  }
}

/** node:util parseArgs refusing the command line (an unknown option, a missing value). */
const isArgError = (err: unknown) => String((err as { code?: unknown } | null)?.code).startsWith('ERR_PARSE_ARGS')

main().catch((err: unknown) => {
  if (err instanceof ConfigError || (err as Error | undefined)?.name === "CatalogError") {
    process.stderr.write(`headroom: configuration error\n${(err as Error).message}\n`)
  } else if (err instanceof UserError) {
    process.stderr.write(`headroom: ${err.message}\n`)
  } else if (isArgError(err)) {
    process.stderr.write(`headroom: ${(err as Error).message} (see headroom help)\n`)
    process.exit(2)
  } else {
    process.stderr.write(`headroom: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  process.exit(1)
})
