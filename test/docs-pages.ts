/**
 * The user documentation: README.md and every page of docs/. The tests that run its snippets and check
 * its links read it from here, so that a section moved from one page to another stays checked.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..')

export interface Page {
  /** Relative to the repository root, with `/`: `README.md`, `docs/spend.md`. */
  path: string
  text: string
}

export const pages: readonly Page[] = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
].map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }))

export interface Fence {
  page: string
  /** The info string's first word: `ts`, `sh`, `yaml`, `sql`, or '' for a plain block. */
  lang: string
  body: string
}

const FENCE = /^```([^\n`]*)\n([\s\S]*?)^```$/gm

/** The text without its fenced blocks, where nothing is a heading or a link. */
export function withoutFences(text: string): string {
  return text.replace(FENCE, '')
}

/** Every fenced block of every page, in page order. */
export const fences: readonly Fence[] = pages.flatMap((p) =>
  [...p.text.matchAll(FENCE)].map((m) => ({
    page: p.path,
    lang: (m[1] ?? '').trim().split(/\s+/)[0] ?? '',
    body: m[2]!,
  })),
)
