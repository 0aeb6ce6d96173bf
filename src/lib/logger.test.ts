import { describe, expect, it } from 'vitest'
import { createLogger, logLevel } from './logger.ts'
import { UserError } from './user-error.ts'

describe('HEADROOM_LOG_LEVEL', () => {
  it('info when unset or empty; a known level in any case; anything else a UserError naming the choices', () => {
    expect(logLevel(undefined)).toBe('info')
    expect(logLevel(' ')).toBe('info')
    expect(logLevel('WARN')).toBe('warn')
    expect(logLevel('silent')).toBe('silent')
    expect(() => logLevel('verbose')).toThrow(UserError)
    expect(() => logLevel('verbose')).toThrow(/debug, info, warn, error, silent; got "verbose"/)
  })
})

describe('createLogger', () => {
  it('one JSON line per call: level by name, time in epoch ms, msg, the fields', () => {
    const out: string[] = []
    const log = createLogger('info', (l) => out.push(l))
    log.info('request', { requestId: 'req_1', route: 'fast' })
    expect(out).toHaveLength(1)
    expect(out[0]!.endsWith('\n')).toBe(true)
    const line = JSON.parse(out[0]!)
    expect(line).toMatchObject({ level: 'info', msg: 'request', requestId: 'req_1', route: 'fast' })
    expect(Math.abs(line.time - Date.now())).toBeLessThan(60_000)
  })

  it('drops what is below its level, and says so', () => {
    const out: string[] = []
    const log = createLogger('warn', (l) => out.push(l))
    log.info('request')
    log.warn('w')
    expect(out.map((l) => JSON.parse(l).msg)).toEqual(['w'])
    expect(log.enabled?.('info')).toBe(false)
    expect(log.enabled?.('warn')).toBe(true)
  })
})
