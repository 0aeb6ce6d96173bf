import { randomBytes } from 'node:crypto'

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The caller's `x-request-id` when it is a sane token, else a new `req_…` id. */
export function requestId(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && SAFE_ID.test(incoming)) return incoming
  return 'req_' + randomBytes(12).toString('hex')
}
