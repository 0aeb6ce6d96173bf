/**
 * `GET /v1/responses/{id}/input_items`: the input items of a kept response (response-store.ts) — what it
 * continued (`previous_response_id`) included, its instructions not — as OpenAI's cursor-paged list
 * `{object:"list", data, first_id, last_id, has_more}`, newest first unless `order=asc`. Each item has an id, as
 * OpenAI's do: an item that came without one (a user message) gets one made from the response's id and its place,
 * the same on every call, so that `after` pages through them. A message is given in OpenAI's item form
 * (`type: "message"`, its text as `input_text` parts). Kept for the caller's client key only; any other id is
 * GET /v1/responses/{id}'s 404.
 * Reference: https://platform.openai.com/docs/api-reference/responses/input-items
 */
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { ApiError } from '../lib/api-error.ts'
import { isSafeId, type StoredItem } from './response-store.ts'
import { findKept } from './responses-retrieve.ts'
import type { AppDeps } from './types.ts'

/** The query as the SDK sends it: `include[]` repeated (qs' brackets), the others once. */
export interface InputItemsQuery {
  readonly limit?: string | undefined
  readonly order?: string | undefined
  readonly after?: string | undefined
  readonly include: readonly string[]
}

/** What `include` may name (openai-node's ResponseIncludable); the items are kept whole, so each is a no-op here. */
const INCLUDABLE: ReadonlySet<string> = new Set([
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
])

export interface ItemList {
  readonly object: 'list'
  readonly data: readonly StoredItem[]
  readonly first_id: string | null
  readonly last_id: string | null
  readonly has_more: boolean
}

export async function listInputItems(
  headers: IncomingHttpHeaders,
  deps: AppDeps,
  id: string,
  query: InputItemsQuery,
): Promise<ItemList> {
  const q = parseQuery(query)
  const r = await findKept(headers, deps, id)
  return page(itemsOf(r.id, r.input), q, r.id)
}

interface Query {
  readonly limit: number
  readonly order: 'asc' | 'desc'
  readonly after: string | null
}

function parseQuery(query: InputItemsQuery): Query {
  const limit = query.limit === undefined ? 20 : Number(query.limit)
  if (!/^\d{1,3}$/.test(query.limit ?? '20') || limit < 1 || limit > 100)
    throw invalid(`Invalid 'limit': expected an integer between 1 and 100, but got ${shown(query.limit)}.`, 'limit')
  const order = query.order ?? 'desc'
  if (order !== 'asc' && order !== 'desc')
    throw invalid(`Invalid 'order': expected 'asc' or 'desc', but got ${shown(order)}.`, 'order')
  for (const value of query.include)
    if (!INCLUDABLE.has(value))
      throw invalid(`Invalid 'include': ${shown(value)} is not one of ${[...INCLUDABLE].join(', ')}.`, 'include')
  return { limit, order, after: query.after ?? null }
}

/** The items as OpenAI lists them: each with an id, a message in item form. */
function itemsOf(responseId: string, input: readonly StoredItem[]): StoredItem[] {
  const stem = createHash('sha256').update(responseId).digest('hex').slice(0, 32)
  return input.map((item, i) => {
    const message = item['type'] === undefined || item['type'] === 'message'
    const kind = message ? 'message' : String(item['type'])
    const id = typeof item['id'] === 'string' ? item['id'] : `${PREFIX[kind] ?? 'item'}_${stem}${i.toString(16)}`
    // An item's own id, or a null one, gives way to the id chosen above.
    const { id: _, ...rest } = item
    if (!message) return { id, ...rest }
    const role = item['role']
    const content = item['content']
    const parts =
      typeof content === 'string'
        ? [
            role === 'assistant'
              ? { type: 'output_text', text: content, annotations: [] }
              : { type: 'input_text', text: content },
          ]
        : content
    return { id, type: 'message', role, content: parts, status: item['status'] ?? 'completed' }
  })
}

/** The id prefixes OpenAI gives its items, by type. */
const PREFIX: Readonly<Record<string, string>> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  reasoning: 'rs',
}

function page(items: StoredItem[], q: Query, responseId: string): ItemList {
  const ordered = q.order === 'desc' ? items.reverse() : items
  let start = 0
  if (q.after !== null) {
    const at = ordered.findIndex((item) => item['id'] === q.after)
    if (at < 0) {
      const named = isSafeId(q.after) ? ` '${q.after}'` : ''
      throw invalid(`Invalid 'after': no input item${named} in response '${responseId}'.`, 'after')
    }
    start = at + 1
  }
  const data = ordered.slice(start, start + q.limit)
  const idOf = (item: StoredItem | undefined) => (item === undefined ? null : String(item['id']))
  return {
    object: 'list',
    data,
    first_id: idOf(data[0]),
    last_id: idOf(data.at(-1)),
    has_more: start + q.limit < ordered.length,
  }
}

const invalid = (message: string, param: string) => new ApiError(400, message, 'invalid_value', param)

/** A client's value in a message: quoted, and cut short when long. */
const shown = (v: string | undefined) =>
  v === undefined ? 'nothing' : JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v)
