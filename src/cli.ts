/**
 * headroom start | check | simulate
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfigFile } from './routing/config-load.ts'
import { defaultConfigPath, startHeadroom } from './start.ts'

const USAGE = `usage:
  headroom start [--config routes.yaml] [--port 8080] [--host 127.0.0.1]
  headroom check [routes.yaml]          validate a config file and print its routes
  headroom simulate [--port N] [--host H] [--seed N] [--config sim.yaml]
                                        run the provider simulator on its own
environment: PORT, HOST, HEADROOM_CONFIG, HEADROOM_DB, provider keys named in routes.yaml`

async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  })
  const running = await startHeadroom({
    configPath: values.config,
    port: values.port !== undefined ? Number(values.port) : undefined,
    host: values.host,
  })
  process.stderr.write(`headroom listening on ${running.url} (POST ${running.url}/v1/chat/completions)\n`)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    process.stderr.write(`headroom: ${signal}, shutting down\n`)
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    void running.close().then(() => process.exit(0))
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

async function check(argv: string[]): Promise<void> {
  const file = argv[0] ?? defaultConfigPath(process.env)
  const cfg = await loadConfigFile(file)
  process.stdout.write(`${file}: OK\n`)
  for (const [name, p] of Object.entries(cfg.providers)) {
    const key = p.api_key ? 'key set' : p.simulate === false ? 'NO KEY' : 'no key → simulated'
    process.stdout.write(`provider ${name}: ${p.type}${p.base_url ? ` at ${p.base_url}` : ''} (${key})\n`)
  }
  for (const [name, r] of Object.entries(cfg.routes)) {
    process.stdout.write(`route ${name}${cfg.default_route === name ? ' (default)' : ''}: ${r.strategy} → ${r.targets.join(', ')}\n`)
  }
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2)
  switch (cmd) {
    case 'start':
    case undefined:
      return start(rest)
    case 'check':
      return check(rest)
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

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`headroom: configuration error\n${err.message}\n`)
  } else {
    process.stderr.write(`headroom: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  process.exit(1)
})
