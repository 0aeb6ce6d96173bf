/**
 * A bare proxy: node:http server + undici client, forwarding every request to `--upstream` + its path
 * and piping the answer back — no validation, routing, translation or accounting. `npm run bench` runs it
 * next to Headroom as the floor of what any Node proxy hop costs on the machine at hand, in the same run.
 *
 *   node --import tsx bench/bare-proxy.ts --port 9200 --upstream http://127.0.0.1:9100
 */
import http from 'node:http'
import { parseArgs } from 'node:util'
import { Agent } from 'undici'

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' } } })
const upstream = new URL(values.upstream!).origin
const agent = new Agent({ keepAliveTimeout: 4_000 })
const FORWARD = ['content-type', 'authorization', 'x-api-key', 'anthropic-version', 'x-goog-api-key', 'accept']

http
  .createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (b: Buffer) => parts.push(b))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const h of FORWARD) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h]
      agent
        .request({ origin: upstream, path: req.url ?? '/', method: 'POST', headers, body: Buffer.concat(parts) })
        .then((r) => {
          res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type'] ?? 'application/json') })
          r.body.pipe(res)
        })
        .catch(() => {
          res.writeHead(502)
          res.end()
        })
    })
  })
  .listen(Number(values.port), '127.0.0.1')
