import { describe, expect, it } from 'vitest'
import type { LogFields, Logger } from '../lib/logger.ts'
import { ManualClock } from '../lib/manual-clock.ts'
import { type Post, WebhookSender, webhookOrigin } from './webhook.ts'

const URL = 'https://hooks.slack.com/services/T000/B000/SECRET'

function setup(post: Post, opts: { maxQueue?: number } = {}) {
  const clock = new ManualClock(0)
  const lines: Array<[string, string, LogFields | undefined]> = []
  const log: Logger = {
    info: (m, f) => lines.push(['info', m, f]),
    warn: (m, f) => lines.push(['warn', m, f]),
    error: (m, f) => lines.push(['error', m, f]),
  }
  const sender = new WebhookSender({ clock, log, post, ...opts })
  return { clock, lines, sender }
}

describe('WebhookSender', () => {
  it('posts each alert once, in order, without the caller waiting', async () => {
    const got: string[] = []
    const { clock, sender, lines } = setup(async (_u, body) => {
      got.push(body)
      return 204
    })
    sender.send(URL, '1')
    sender.send(URL, '2')
    expect(got).toEqual(['1'])
    await clock.advance(0)
    expect(got).toEqual(['1', '2'])
    expect(lines).toEqual([])
  })

  it('retries with exponential backoff; a webhook that is down is logged once, and again when it answers', async () => {
    const times: number[] = []
    let up = false
    const { clock, sender, lines } = setup(async () => {
      times.push(clock.now())
      if (!up) throw new Error(`connect ECONNREFUSED for ${URL}`)
      return 200
    })
    sender.send(URL, 'a')
    sender.send(URL, 'b')
    await clock.advance(3_000)
    expect(times).toEqual([0, 1_000, 3_000])
    up = true
    await clock.advance(4_000)
    expect(times).toEqual([0, 1_000, 3_000, 7_000, 7_000])
    expect(lines).toEqual([
      [
        'warn',
        'alert webhook unreachable; alerts are still logged, and retried with backoff',
        { webhook: 'https://hooks.slack.com', error: 'connect ECONNREFUSED for https://hooks.slack.com' },
      ],
      ['info', 'alert webhook reachable again', { webhook: 'https://hooks.slack.com', dropped: 0, given_up: 0 }],
    ])
  })

  it('gives an alert up after five tries, and a 4xx at once; a 5xx, 408 and 429 are retried', async () => {
    const statuses = [500, 429, 408, 503, 502, 400]
    let calls = 0
    const { clock, sender } = setup(async () => statuses[calls++] ?? 200)
    sender.send(URL, 'a')
    sender.send(URL, 'b')
    await clock.advance(60_000)
    expect([calls, sender.givenUp]).toEqual([6, 2])
  })

  it('aborts a POST with no answer after its timeout, and tries again', async () => {
    const signals: AbortSignal[] = []
    const { clock, sender, lines } = setup(
      (_u, _b, signal) =>
        new Promise((_resolve, reject) => {
          signals.push(signal)
          signal.addEventListener('abort', () => reject(new Error('aborted')))
        }),
    )
    sender.send(URL, 'a')
    await clock.advance(5_000)
    expect(signals[0]!.aborted).toBe(true)
    expect(lines[0]![2]).toMatchObject({ error: 'no answer in 5000 ms' })
    await clock.advance(1_000)
    expect(signals).toHaveLength(2)
    sender.close()
    expect(signals[1]!.aborted).toBe(true)
  })

  it('keeps at most maxQueue alerts waiting: the oldest are dropped and counted', async () => {
    const got: string[] = []
    let release: (() => void) | null = null
    const { clock, sender } = setup(
      (_u, body) =>
        new Promise((resolve) => {
          got.push(body)
          release = () => resolve(200)
        }),
      { maxQueue: 2 },
    )
    for (const b of ['1', '2', '3', '4', '5']) sender.send(URL, b)
    expect([sender.pending, sender.dropped]).toEqual([2, 2])
    for (let i = 0; i < 3; i++) {
      release!()
      await clock.advance(0)
    }
    expect(got).toEqual(['1', '4', '5'])
  })
})

describe('webhookOrigin', () => {
  it('keeps the origin only: the path of a Slack webhook is its secret', () => {
    expect(webhookOrigin(URL)).toBe('https://hooks.slack.com')
    expect(webhookOrigin('nope')).toBe('(invalid URL)')
  })
})
