/**
 * `headroom status [--watch]`: the targets of a running Headroom — state, headroom, runway, breaker,
 * latency — and its budgets, from its `GET /v1/routing/state` (the admin key from HEADROOM_ADMIN_KEY or
 * --admin-key, sent as a bearer token, never printed). `--watch` redraws every second until Ctrl-C; an
 * unreachable server then shows as a line, and the next second tries again.
 */
import type { Command } from 'commander'
import { headroomCommand, runCommand, UsageError, type Write } from '../lib/cli-command.ts'
import { UserError } from '../lib/user-error.ts'
import { formatStatus, parseRoutingState } from './status-view.ts'

export interface StatusCommandIo {
  env?: NodeJS.ProcessEnv
  out?: Write
  /** --watch stops when this aborts (default: SIGINT). */
  stop?: AbortSignal
}

interface StatusFlags {
  url?: string
  adminKey?: string
  watch?: boolean
}

const CLEAR = '\u001b[2J\u001b[H'

export function statusCli(io: StatusCommandIo = {}): Command {
  return headroomCommand(
    'status',
    "A running Headroom's targets (state, headroom, runway, breaker, latency) and budgets.",
    ['npx headroom status', 'HEADROOM_ADMIN_KEY=… npx headroom status --url http://10.0.0.5:8080 --watch'],
    io.out,
  )
    .option('--url <url>', 'where Headroom listens (default: http://127.0.0.1:$PORT, else port 8080)')
    .option('--admin-key <key>', 'the admin key, when routes.yaml has client keys (default: $HEADROOM_ADMIN_KEY)')
    .option('--watch', 'redraw every second until Ctrl-C (default: print once)')
    .action((flags: StatusFlags) => status(flags, io))
}

/** `headroom status …argv`. */
export function statusCommand(argv: string[], io: StatusCommandIo = {}): Promise<void> {
  return runCommand(statusCli(io), argv)
}

function stateUrl(flags: StatusFlags, env: NodeJS.ProcessEnv): URL {
  const base = flags.url ?? `http://127.0.0.1:${env['PORT'] || '8080'}`
  let url: URL
  try {
    url = new URL('/v1/routing/state', base)
  } catch {
    throw new UsageError(`--url must be an http:// or https:// URL; got "${base}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url must be an http:// or https:// URL; got "${base}"`)
  return url
}

async function fetchStatus(url: URL, key: string | undefined): Promise<string> {
  let res: Response
  try {
    res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} })
  } catch (err) {
    const why = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message
    throw new UserError(`cannot reach Headroom at ${url.origin}: ${why} (is it running? set --url)`)
  }
  const text = await res.text()
  if (res.status === 401 || res.status === 403)
    throw new UserError(`${url.origin} wants the admin key: set HEADROOM_ADMIN_KEY or --admin-key`)
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {}
  const state = res.ok ? parseRoutingState(body) : null
  if (!state)
    throw new UserError(`${url.origin} answered ${res.status}, not Headroom's routing state (is --url right?)`)
  return formatStatus(state)
}

async function status(flags: StatusFlags, io: StatusCommandIo): Promise<void> {
  const env = io.env ?? process.env
  const out = io.out ?? ((text: string) => void process.stdout.write(text))
  const url = stateUrl(flags, env)
  const key = flags.adminKey ?? env['HEADROOM_ADMIN_KEY']
  if (!flags.watch) {
    out(await fetchStatus(url, key))
    return
  }
  const stop = io.stop ?? sigint()
  while (!stop.aborted) {
    let frame: string
    try {
      frame = await fetchStatus(url, key)
    } catch (err) {
      frame = `${(err as Error).message}\n`
    }
    if (stop.aborted) break
    out(`${CLEAR}${new Date().toISOString()}  ${url.origin}  (Ctrl-C to stop)\n\n${frame}`)
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1_000)
      const early = () => {
        clearTimeout(t)
        resolve()
      }
      stop.addEventListener('abort', early, { once: true })
    })
  }
}

function sigint(): AbortSignal {
  const c = new AbortController()
  process.once('SIGINT', () => c.abort())
  return c.signal
}
