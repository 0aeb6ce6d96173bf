/**
 * A model id → its resource name in Gemini's URL path: `models/{id}` or `tunedModels/{id}`, the id one
 * percent-encoded path segment. Gemini's method is `POST /v1beta/{model=models/*}:generateContent`
 * (https://ai.google.dev/api/generate-content#method:-models.generatecontent): a `/` in the id would
 * climb to another resource, a `:` would name another method (`:streamGenerateContent`, `:countTokens`),
 * and `.` / `..` would be resolved as path steps — so none of these reach the URL.
 *
 * Tuned models are supported explicitly: they are a documented collection with the same method,
 * `POST /v1beta/{model=tunedModels/*}:generateContent` (https://ai.google.dev/api/tuning), and their ids
 * are one segment too (`[a-z]([a-z0-9-]{0,38}[a-z0-9])?`). A leading `models/` (Gemini's own spelling of
 * a model name) is the default collection and is accepted.
 */

export type ModelResource =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly problem: string }

const TUNED = 'tunedModels/'
const MODELS = 'models/'

export function modelResource(model: string): ModelResource {
  const tuned = model.startsWith(TUNED)
  const id = tuned ? model.slice(TUNED.length) : model.startsWith(MODELS) ? model.slice(MODELS.length) : model
  if (id === '' || id === '.' || id === '..') return { ok: false, problem: 'a Gemini model id names a model' }
  if (id.includes('/'))
    return {
      ok: false,
      problem: 'a Gemini model id is one path segment: "/" may only follow "models" or "tunedModels"',
    }
  if (id.includes(':'))
    return { ok: false, problem: 'a Gemini model id may not contain ":" (it would call another method)' }
  return { ok: true, path: `${tuned ? 'tunedModels' : 'models'}/${encodeURIComponent(id)}` }
}
