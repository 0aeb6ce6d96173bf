/**
 * headroom start | check | simulate
 */
import { parseArgs } from 'node:util'
import { ConfigError } from './routing/config-load.ts'
import { startHeadroom } from './start.ts'
import { UserError } from './user-error.ts'

const USAGE = `usage:
  headroom start [--config routes.yaml] [--port 8080] [--host 127.0.0.1]
  headroom check [routes.yaml] [--strict]
                                        validate a config file and print its routes; --strict:
                                        exit 1 when a route target has no price
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

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2)
  switch (cmd) {
    case 'start':
    case undefined:
      return start(rest)
    case 'check': {
      const { checkCommand } = await import('./check.ts')
      process.exitCode = await checkCommand(rest)
      return
    }
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
