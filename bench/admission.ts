/**
 * `npm run bench:admission`: what admission costs.
 *  1. With an empty queue, per request: the inbound-limit check (admit + release for a key with rpm/tpm
 *     limits) and the queue's fast path (size check + pump), in-process.
 *  2. Memory: 10,000 requests waiting in one route's queue — each with its abort signal, give-up timer
 *     and promise — as heap growth after a forced GC (`npm run bench:admission` runs with --expose-gc).
 */

import { InboundLimits } from '../src/admission/inbound.ts'
import { AdmissionQueue } from '../src/admission/queue.ts'
import type { CompiledKey } from '../src/config/types.ts'

const gc = (globalThis as { gc?: () => void }).gc

function emptyQueueCost(iterations = 200_000): { inboundUs: number; queueUs: number } {
  const inbound = new InboundLimits()
  const key: CompiledKey = {
    name: 'k',
    budget: null,
    limits: { rpm: 1e9, tpm: 1e12 },
    priority: 'normal',
    allows: () => true,
  }
  const need = { tokens: 300, inputTokens: 44, outputTokens: 256 }
  let now = Date.now()
  for (let i = 0; i < 20_000; i++) {
    const v = inbound.admit(key, need, now)
    if (v.ok) inbound.release(key, v.reservation, { promptTokens: 44, completionTokens: 20 }, now)
  }
  let t = performance.now()
  for (let i = 0; i < iterations; i++) {
    now++
    const v = inbound.admit(key, need, now)
    if (v.ok) inbound.release(key, v.reservation, { promptTokens: 44, completionTokens: 20 }, now)
  }
  const inboundUs = ((performance.now() - t) * 1000) / iterations
  const admission = new AdmissionQueue()
  t = performance.now()
  let n = 0
  for (let i = 0; i < iterations; i++) {
    n += admission.size('r')
    admission.pump('r')
  }
  const queueUs = ((performance.now() - t) * 1000) / iterations
  if (n !== 0) throw new Error('queue not empty')
  return { inboundUs, queueUs }
}

async function queuedMemory(count = 10_000): Promise<{ heapMb: number }> {
  gc?.()
  const heap0 = process.memoryUsage().heapUsed
  const admission = new AdmissionQueue()
  const waits: Array<Promise<void>> = []
  for (let i = 0; i < count; i++) {
    const ac = new AbortController()
    waits.push(
      admission
        .wait('r', (['high', 'normal', 'low'] as const)[i % 3]!, {
          maxLength: count,
          giveUpAt: Date.now() + 60_000,
          wakeAt: null,
          signal: ac.signal,
        })
        .catch(() => {}),
    )
  }
  gc?.()
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6
  if (admission.size('r') !== count) throw new Error('not all queued')
  admission.close()
  await Promise.all(waits)
  return { heapMb }
}

export async function admissionBench() {
  return { ...emptyQueueCost(), ...(await queuedMemory()) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!gc) console.warn('(run with --expose-gc for exact memory figures)')
  const r = await admissionBench()
  console.log('Admission, in-process:\n')
  console.log('| what | figure |')
  console.log('|---|---:|')
  console.log(`| inbound limit check (admit + release), empty queue | ${r.inboundUs.toFixed(2)} µs/request |`)
  console.log(`| queue fast path (nobody waiting) | ${r.queueUs.toFixed(3)} µs/request |`)
  console.log(`| 10,000 requests queued: heap | ${r.heapMb.toFixed(1)} MB |`)
}
