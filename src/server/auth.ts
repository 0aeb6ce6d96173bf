/**
 * Who is calling. With client keys (or an admin key) in routes.yaml, every /v1 request must present one —
 * `Authorization: Bearer <key>` as the OpenAI SDKs send it, or `x-api-key` / `api-key` — else 401 in
 * OpenAI's shape. With none configured the router is open (and says so at start-up). The presented key is
 * hashed and looked up; it is never logged or echoed.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { sha256Hex } from '../config/client-keys.ts'
import type { CompiledAuth, CompiledKey } from '../config/types.ts'
import { ApiError } from '../lib/api-error.ts'

export type Principal = { kind: 'open' } | { kind: 'admin' } | { kind: 'key'; key: CompiledKey }

const OPEN: Principal = { kind: 'open' }
const ADMIN: Principal = { kind: 'admin' }

function presented(h: IncomingHttpHeaders): string | null {
  const auth = h['authorization']
  if (typeof auth === 'string') {
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(auth)
    if (m) return m[1]!
  }
  const k = h['x-api-key'] ?? h['api-key']
  return typeof k === 'string' && k.length > 0 ? k : null
}

/** Who presented `secret`: the admin, a client key, or nobody known (null). */
function lookup(secret: string, auth: CompiledAuth): Principal | null {
  const hash = sha256Hex(secret)
  if (hash === auth.adminHash) return ADMIN
  const key = auth.byHash.get(hash)
  return key ? { kind: 'key', key } : null
}

/**
 * Whose the things a caller keeps are (kept responses): `key:<name>` for a client key, `admin`, or `open` when
 * the router has no keys (one scope for all).
 */
export function scopeOf(p: Principal): string {
  return p.kind === 'key' ? `key:${p.key.name}` : p.kind
}

/** `headers`: Node's header record (lower-case names). */
export function authenticate(headers: IncomingHttpHeaders, auth: CompiledAuth): Principal {
  if (!auth.enabled) return OPEN
  const secret = presented(headers)
  if (secret === null) {
    throw new ApiError(
      401,
      "You didn't provide an API key. Send one in the Authorization header (Authorization: Bearer YOUR_KEY) or in x-api-key, as issued by this Headroom's operator.",
      'missing_api_key',
      null,
      'invalid_request_error',
    )
  }
  const p = lookup(secret, auth)
  if (!p)
    throw new ApiError(
      401,
      'Incorrect API key provided. Check the key this Headroom issued you.',
      'invalid_api_key',
      null,
      'invalid_request_error',
    )
  return p
}

/** The client key a request presents, if it is one (never throws): whose rate-limit headers its answer carries. */
export function identifyKey(headers: IncomingHttpHeaders, auth: CompiledAuth): CompiledKey | null {
  if (!auth.enabled) return null
  const secret = presented(headers)
  const p = secret === null ? null : lookup(secret, auth)
  return p?.kind === 'key' ? p.key : null
}

/** Admin endpoints: open when the router is open, else only for the admin key. */
export function requireAdmin(headers: IncomingHttpHeaders, auth: CompiledAuth): void {
  const p = authenticate(headers, auth)
  if (p.kind === 'key')
    throw new ApiError(
      403,
      'This endpoint needs the admin key (admin_key in routes.yaml).',
      'admin_only',
      null,
      'permission_error',
    )
}
