/**
 * Headroom for bench/soak-unique-ids.ts, in a process of its own so that its memory is its own: started
 * from the config file in argv[2] on 127.0.0.1, it answers the parent over IPC — `gc` → a full GC and its
 * memory after it, `stop` → a clean shutdown.
 */
import { silentLogger } from '../src/lib/logger.ts'
import { startHeadroom } from '../src/start.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc || !process.send) throw new Error('run by bench/soak-unique-ids.ts (with --expose-gc and an IPC channel)')
const send = process.send.bind(process)

const hr = await startHeadroom({
  configPath: process.argv[2]!,
  host: '127.0.0.1',
  port: 0,
  log: silentLogger,
  watch: false,
})
send({ url: hr.url })
process.on('message', (m: unknown) => {
  if (m === 'gc') {
    gc()
    gc()
    const { rss, heapUsed } = process.memoryUsage()
    send({ rss, heapUsed })
  } else if (m === 'stop') {
    void hr.close().then(() => process.exit(0))
  }
})
// The parent gone (killed, crashed): do not linger.
process.on('disconnect', () => void hr.close().then(() => process.exit(0)))
