/**
 * `npm run bench:soak`: memory under sustained load. Headroom runs in this process (the simulator in
 * its own), takes rounds of 16-connection load alternating JSON and streams over a 2-target route, and
 * after each round a forced GC; the heap must plateau, not climb with the request count.
 */

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../src/lib/logger.ts'
import { startHeadroom } from '../src/start.ts'
import { freePort, measureThroughput, startChild } from './lib.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc (npm run bench:soak does)')
const rounds = Number(process.argv[2] ?? 10)

const simPort = await freePort()
const sim = `http://127.0.0.1:${simPort}`
const simProc = await startChild(['simulate', '--port', String(simPort)], {}, `${sim}/_sim/stats`)
const hr = await startHeadroom({
  dbPath: join(mkdtempSync(join(tmpdir(), 'headroom-soak-')), 'spend.db'),
  configText: `providers:\n  openai: { type: openai, base_url: "${sim}/v1", api_key: k }\n  anthropic: { type: anthropic, base_url: "${sim}", api_key: k }\nroutes:\n  r: { strategy: latency, targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }\n`,
  port: 0,
  env: {},
  log: silentLogger,
  simulatorUrl: sim,
})
const heap: number[] = []
let total = 0
try {
  for (let round = 0; round < rounds; round++) {
    const body = JSON.stringify({
      model: 'r',
      messages: [{ role: 'user', content: 'reply: ok ok ok' }],
      stream: round % 2 === 1,
    })
    total += (
      await measureThroughput(
        { url: `${hr.url}/v1/chat/completions`, headers: { 'content-type': 'application/json' }, body },
        16,
        3,
      )
    ).requests
    gc()
    gc()
    heap.push(process.memoryUsage().heapUsed / 1e6)
    process.stderr.write(`round ${round}: ${total} requests, heap ${heap.at(-1)!.toFixed(1)} MB\n`)
  }
} finally {
  await hr.close()
  await simProc.stop()
}
const firstHalf = heap.slice(0, Math.floor(rounds / 2))
const secondHalf = heap.slice(Math.floor(rounds / 2))
const max = (xs: number[]) => Math.max(...xs)
console.log(
  `\n${total} requests in ${rounds} rounds; heap after GC: first half max ${max(firstHalf).toFixed(1)} MB, second half max ${max(secondHalf).toFixed(1)} MB`,
)
console.log(max(secondHalf) <= max(firstHalf) * 1.15 ? 'plateau: OK' : 'heap still growing: LOOK')
