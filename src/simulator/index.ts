/**
 * The provider simulator: one in-process HTTP server that speaks the OpenAI Chat Completions and
 * Responses, Anthropic Messages and Gemini generateContent wire formats (and both embeddings APIs)
 * faithfully enough for the official SDKs, with seeded deterministic answers, rate limits, latency and
 * faults. See README.md beside this file.
 *
 * Base URLs for clients: OpenAI `${url}/v1`, Anthropic `${url}`, Gemini `${url}` (requestOptions.baseUrl).
 */
import type { AddressInfo, Socket } from 'node:net'
import { createSimServer } from './server.ts'
import { SimState } from './state.ts'
import type { Api, Fault, SimModelConfig, SimRequestLog, Simulator, SimulatorOptions, StatsFilter } from './types.ts'

export type { Simulator, SimulatorOptions } from './types.ts'

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const st = new SimState(opts)
  const server = createSimServer(st)
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  let closed: Promise<void> | null = null

  return {
    url,
    port,
    close() {
      // Stalled requests hold their sockets forever by design: end every connection, not just idle ones.
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
      return closed
    },
    configure(api: Api | '*', model: string, cfg: Partial<SimModelConfig>) {
      st.models.configure(api, model, cfg)
    },
    script(api: Api | '*', model: string, faults: Fault[]) {
      st.faults.script(api, model, faults)
    },
    reset() {
      st.reset()
    },
    get log(): readonly SimRequestLog[] {
      return st.log
    },
    stats(filter?: StatsFilter) {
      return st.stats(filter)
    },
  }
}
