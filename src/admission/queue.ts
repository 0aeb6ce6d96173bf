/**
 * The admission queue: when no target of a route has headroom for a request, the request waits here
 * instead of failing, and is let through the moment headroom may be back — event-driven, no polling:
 *  - a reservation is released (a request ended, freeing a concurrency slot or correcting tokens),
 *  - the soonest recovery time the planner saw passes (a rate-limit reset, a cooldown's end, a breaker's
 *    half-open), via one timer per route set for the earliest such time among its waiters.
 * A woken request plans again; if it got a target it lets the next waiter try too, else it waits again in
 * its place. So waiters are admitted one at a time in priority order, never more than the headroom allows.
 *
 * Priority: levels high (2), normal (1), low (0). The next waiter is the one with the highest
 * `level + waited / agingMs` (FIFO within a level): higher levels go first, and a waiter gains a level for
 * every `agingMs` (default 5 s) it has waited, so low-priority requests are delayed, never starved — a low
 * request that has waited 10 s ranks with a high one that just arrived.
 */
import { PRIORITIES, type Priority } from '../config/schema.ts'
import { type Clock, systemClock, type TimerId } from '../lib/clock.ts'
import { type HeadroomQueue, QueueFullError, type WaitOptions } from '../routing/runtime.ts'

const LEVEL: Record<Priority, number> = { high: 2, normal: 1, low: 0 }

interface Waiter {
  readonly priority: Priority
  readonly enqueuedAt: number
  wakeAt: number | null
  resolve: () => void
  reject: (err: unknown) => void
  done: boolean
  timer: TimerId | null
  signal: AbortSignal
  onAbort: () => void
}

/** A FIFO with O(1) removal at the front and lazy removal elsewhere (done waiters are skipped). */
class Level {
  private items: Array<Waiter | undefined> = []
  private head = 0

  push(w: Waiter): void {
    this.items.push(w)
  }

  /** Back to the front (a waiter that keeps its turn). */
  unshift(w: Waiter): void {
    if (this.head > 0) this.items[--this.head] = w
    else this.items.unshift(w)
  }

  /** The first waiter still waiting. */
  peek(): Waiter | undefined {
    while (this.head < this.items.length) {
      const w = this.items[this.head]
      if (w && !w.done) return w
      this.items[this.head++] = undefined
    }
    this.items = []
    this.head = 0
    return undefined
  }

  *live(): IterableIterator<Waiter> {
    for (let i = this.head; i < this.items.length; i++) {
      const w = this.items[i]
      if (w && !w.done) yield w
    }
  }
}

class RouteQueue {
  readonly levels: Record<Priority, Level> = { high: new Level(), normal: new Level(), low: new Level() }
  length = 0
  timer: TimerId | null = null
  timerAt = Infinity
  constructor(readonly route: string) {}
}

export interface AdmissionQueueOptions {
  /** The time and the timers the queue waits on (default: the system clock). */
  clock?: Pick<Clock, 'now' | 'setTimer' | 'clearTimer'>
  /** A waiter gains one priority level per this many ms waited (default 5,000). */
  agingMs?: number
}

export class AdmissionQueue implements HeadroomQueue {
  /**
   * Only routes with waiters: a queue is created by its first waiter and deleted with its last (its timer
   * goes with it), so route names from clients (`provider/model`) leave nothing behind, and `pump()`
   * walks only queues someone is waiting in.
   */
  private readonly queues = new Map<string, RouteQueue>()
  private readonly now: () => number
  private readonly timers: Pick<Clock, 'setTimer' | 'clearTimer'>
  private readonly agingMs: number

  constructor(opts: AdmissionQueueOptions = {}) {
    const clock = opts.clock ?? systemClock
    this.now = clock.now
    this.timers = clock
    this.agingMs = opts.agingMs ?? 5_000
  }

  /** Requests waiting on a route (all routes when none is named). */
  size(route?: string): number {
    if (route !== undefined) return this.queues.get(route)?.length ?? 0
    let n = 0
    for (const q of this.queues.values()) n += q.length
    return n
  }

  /**
   * Waits until this request may plan again. Rejects with QueueFullError when the queue is full, when
   * headroom is not expected back before `giveUpAt`, or when `giveUpAt` passes; with the signal's reason
   * when the client goes away (the waiter leaves the queue at once).
   */
  wait(route: string, priority: Priority, opts: WaitOptions): Promise<void> {
    const now = this.now()
    const waiting = this.queues.get(route)?.length ?? 0
    if (waiting >= opts.maxLength && opts.since === undefined) {
      return Promise.reject(
        new QueueFullError('length', `the admission queue of route "${route}" is full (${opts.maxLength} waiting)`),
      )
    }
    if (opts.wakeAt !== null && opts.wakeAt > opts.giveUpAt) {
      return Promise.reject(
        new QueueFullError('wait', `headroom for route "${route}" is not expected back within the queue's max wait`),
      )
    }
    if (opts.signal.aborted) return Promise.reject(opts.signal.reason ?? new Error('aborted'))
    let queue = this.queues.get(route)
    if (!queue) this.queues.set(route, (queue = new RouteQueue(route)))
    const q = queue
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        priority,
        enqueuedAt: opts.since ?? now,
        wakeAt: opts.wakeAt,
        resolve,
        reject,
        done: false,
        timer: null,
        signal: opts.signal,
        onAbort: () => leave(opts.signal.reason ?? new Error('aborted')),
      }
      const leave = (err: unknown) => {
        if (w.done) return
        this.remove(q, w)
        reject(err)
      }
      // Its own give-up timer; the route's wake timer is shared.
      w.timer = this.timers.setTimer(
        () =>
          leave(
            new QueueFullError('wait', `waited the queue's max wait on route "${route}" without headroom coming back`),
          ),
        Math.max(0, opts.giveUpAt - now),
      )
      opts.signal.addEventListener('abort', w.onAbort, { once: true })
      const level = q.levels[priority]
      // A re-queued waiter goes back to the front of its level: it keeps its turn.
      if (opts.since !== undefined) level.unshift(w)
      else level.push(w)
      q.length++
      this.armTimer(q, w.wakeAt)
    })
  }

  /** Routes with a queue, i.e. with someone waiting. */
  get waitingRoutes(): number {
    return this.queues.size
  }

  /** Headroom may be back: wake the best waiter of every route that has some (only those have a queue). */
  pump(route?: string): void {
    if (route !== undefined) {
      const q = this.queues.get(route)
      if (q) this.wakeBest(q)
      return
    }
    for (const q of this.queues.values()) this.wakeBest(q)
  }

  private wakeBest(q: RouteQueue): void {
    if (q.length === 0) return
    const now = this.now()
    let best: Waiter | undefined
    let bestScore = -Infinity
    for (const p of PRIORITIES) {
      const head = q.levels[p].peek()
      if (!head) continue
      const score = LEVEL[p] + (now - head.enqueuedAt) / this.agingMs
      if (score > bestScore) {
        best = head
        bestScore = score
      }
    }
    if (!best) return
    this.remove(q, best)
    best.resolve()
  }

  /**
   * Marks a waiter gone (its level skips it lazily) and releases its timer and listener. The last
   * waiter takes the queue with it, timer included.
   */
  private remove(q: RouteQueue, w: Waiter): void {
    if (w.done) return
    w.done = true
    q.length--
    if (w.timer !== null) this.timers.clearTimer(w.timer)
    w.signal.removeEventListener('abort', w.onAbort)
    if (q.length > 0) return
    if (q.timer !== null) {
      this.timers.clearTimer(q.timer)
      q.timer = null
      q.timerAt = Infinity
    }
    if (this.queues.get(q.route) === q) this.queues.delete(q.route)
  }

  /** One timer per route, at the earliest time a waiter expects headroom back. */
  private armTimer(q: RouteQueue, at: number | null): void {
    if (at === null || at >= q.timerAt) return
    if (q.timer !== null) this.timers.clearTimer(q.timer)
    q.timerAt = at
    q.timer = this.timers.setTimer(
      () => {
        q.timer = null
        q.timerAt = Infinity
        this.wakeBest(q)
        // Others expecting a later time re-arm when they are woken and wait again.
        let next = Infinity
        for (const p of PRIORITIES)
          for (const w of q.levels[p].live()) if (w.wakeAt !== null && w.wakeAt < next) next = w.wakeAt
        if (next !== Infinity) this.armTimer(q, Math.max(next, this.now() + 1))
      },
      Math.max(0, at - this.now()),
    )
  }

  close(): void {
    for (const q of this.queues.values()) {
      if (q.timer !== null) this.timers.clearTimer(q.timer)
      for (const p of PRIORITIES) {
        for (const w of [...q.levels[p].live()]) {
          this.remove(q, w)
          w.reject(new Error('Headroom is shutting down'))
        }
      }
    }
  }
}
