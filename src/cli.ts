/**
 * `headroom start | check | spend | status | simulate` (and `help`, `--version`). Each command defines its options
 * beside its code; this file puts them together, runs `start`, and prints what goes wrong as one line.
 */
import type { Command } from 'commander'
import { checkCli } from './check.ts'
import { ConfigError } from './config/load.ts'
import { headroomCommand, headroomProgram, runCli, UsageError } from './lib/cli-command.ts'
import { UserError } from './lib/user-error.ts'
import { statusCli } from './observe/status-cli.ts'
import { simulateCli } from './simulator/cli.ts'
import { spendCli } from './spend/cli.ts'

const DRAIN_MS = Number(process.env['HEADROOM_DRAIN_MS'] ?? 10_000)

interface StartFlags {
  config?: string
  port?: string
  host?: string
}

function startCli(): Command {
  return headroomCommand(
    'start',
    'Run the router until SIGINT/SIGTERM (then drain for $HEADROOM_DRAIN_MS, 10000 ms, and flush the spend table).',
    ['npx headroom start', 'PORT=9000 npx headroom start --config ./prod.yaml --host 0.0.0.0'],
  )
    .option(
      '--config <file>',
      'routes.yaml to serve (default: $HEADROOM_CONFIG, else ./routes.yaml, else the one shipped with Headroom)',
    )
    .option('--port <port>', 'port to listen on, 0 for any free one (default: $PORT, else 8080)')
    .option('--host <host>', 'address to listen on (default: $HOST, else 127.0.0.1)')
    .action((flags: StartFlags) => start(flags))
}

async function start(flags: StartFlags): Promise<void> {
  // Loaded only to serve: help, check and spend need none of the server.
  const { startHeadroom } = await import('./start.ts')
  const running = await startHeadroom({ configPath: flags.config, port: flags.port, host: flags.host })
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

// `headroom spend | head` closes the pipe early: that is the reader being done, not an error to print.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

const program = headroomProgram([startCli(), checkCli(), spendCli(), statusCli(), simulateCli()])

runCli(program, process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`headroom: ${err.message}\n`)
    process.exit(err.exitCode)
  } else if (err instanceof ConfigError || (err as Error | undefined)?.name === 'CatalogError') {
    const { message } = err as Error
    process.stderr.write(`headroom: configuration error${message.includes('\n') ? '\n' : ': '}${message}\n`)
  } else if (err instanceof UserError) {
    process.stderr.write(`headroom: ${err.message}\n`)
  } else {
    process.stderr.write(`headroom: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  process.exit(1)
})
