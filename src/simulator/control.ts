/**
 * The HTTP control API, for a simulator running as its own process (`headroom simulate`):
 *   POST /_sim/configure {api, model, config}     POST /_sim/script {api, model, faults}
 *   POST /_sim/reset                               GET  /_sim/stats?api=&model=&status=  → {count}
 *   GET  /_sim/log → {data: [...]}
 * zod is fine here: this is not the generation hot path. Also the schemas the config file uses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import type { SimState } from './state.ts'
import { type Api, FAULT_KINDS, type FaultKind } from './types.ts'
import { readBody, send } from './wire.ts'

const ApiName = z.enum(['openai', 'anthropic', 'gemini'])
const FaultKindSchema = z.enum(FAULT_KINDS as [FaultKind, ...FaultKind[]])

export const ModelConfigSchema = z.strictObject({
  rpm: z.number().positive().optional(),
  windowMs: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  itpm: z.number().positive().optional(),
  otpm: z.number().positive().optional(),
  ttftMs: z.number().min(0).optional(),
  tokenDelayMs: z.number().min(0).optional(),
  outputTokens: z.number().int().min(0).optional(),
  faultRates: z.partialRecord(FaultKindSchema, z.number().min(0).max(1)).optional(),
  reasoning: z.boolean().optional(),
  base64: z.enum(['ignored', 'refused']).optional(),
})

const FaultSchema = z.strictObject({
  kind: FaultKindSchema,
  afterChunks: z.number().int().min(0).optional(),
  retryAfterMs: z.number().min(0).optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
})

const ConfigureBody = z.strictObject({
  api: z.union([ApiName, z.literal('*')]),
  model: z.string().min(1),
  config: ModelConfigSchema,
})
const ScriptBody = z.strictObject({
  api: z.union([ApiName, z.literal('*')]),
  model: z.string().min(1),
  faults: z.array(FaultSchema),
})

const JSON_HEADERS = ['content-type', 'application/json']

function reply(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON_HEADERS, JSON.stringify(body))
}

async function parseBody<T>(
  req: IncomingMessage,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  let raw: unknown
  try {
    const text = await readBody(req)
    raw = text === '' ? {} : JSON.parse(text)
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` }
  }
  const r = schema.safeParse(raw)
  return r.success ? { ok: true, value: r.data } : { ok: false, error: z.prettifyError(r.error) }
}

export async function handleControl(st: SimState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const action = url.pathname.slice('/_sim/'.length)
  const method = req.method ?? 'GET'
  if (method === 'POST' && action === 'configure') {
    const b = await parseBody(req, ConfigureBody)
    if (!b.ok) return reply(res, 400, { error: b.error })
    st.models.configure(b.value.api, b.value.model, b.value.config)
    return reply(res, 200, { ok: true })
  }
  if (method === 'POST' && action === 'script') {
    const b = await parseBody(req, ScriptBody)
    if (!b.ok) return reply(res, 400, { error: b.error })
    st.faults.script(b.value.api, b.value.model, b.value.faults)
    return reply(res, 200, { ok: true })
  }
  if (method === 'POST' && action === 'reset') {
    st.reset()
    return reply(res, 200, { ok: true })
  }
  if (method === 'GET' && action === 'stats') {
    const api = url.searchParams.get('api')
    const model = url.searchParams.get('model')
    const status = url.searchParams.get('status')
    if (api !== null && !ApiName.safeParse(api).success) return reply(res, 400, { error: `unknown api '${api}'` })
    if (status !== null && !/^\d+$/.test(status))
      return reply(res, 400, { error: `status must be a number, got '${status}'` })
    const count = st.stats({
      ...(api !== null && api !== '' ? { api: api as Api } : {}),
      ...(model !== null && model !== '' ? { model } : {}),
      ...(status !== null ? { status: Number(status) } : {}),
    })
    return reply(res, 200, { count })
  }
  if (method === 'GET' && action === 'log') return reply(res, 200, { data: st.log })
  reply(res, 404, { error: `no control endpoint ${method} ${url.pathname}` })
}
