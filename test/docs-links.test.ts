/**
 * README and docs/ hold no dead link: every relative link names a file of the repository, every `#anchor`
 * a heading of its page (GitHub's rule: lower-case, punctuation dropped, spaces to `-`, a repeated heading
 * suffixed `-1`, `-2`…), and every page of docs/, every section of it, is reachable from README.
 * Repository paths written as code (`src/providers/http.ts`) must exist too: they are links a reader follows by hand.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pages, ROOT, withoutFences } from './docs-pages.ts'

/** The text as GitHub renders it for links: fenced blocks and code spans cannot hold links. */
function prose(text: string): string {
  return withoutFences(text).replace(/`[^`]*`/g, 'code')
}

function headings(text: string): string[] {
  return [...withoutFences(text).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)].map((m) => m[1]!)
}

/** GitHub's anchor for a heading: its rendered text, lower-cased, punctuation dropped, spaces to `-`. */
function slug(heading: string): string {
  const rendered = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const h of headings(text)) {
    const base = slug(h)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

interface Link {
  page: string
  target: string
  /** Repository path of the file linked ('' for an anchor on the same page), and the anchor. */
  file: string
  anchor: string
}

const links: Link[] = pages.flatMap((p) =>
  [...prose(p.text).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => {
      const [path = '', anchor = ''] = target.split('#')
      const file =
        path === '' ? p.path : normalize(join(dirname(p.path), decodeURIComponent(path))).replaceAll('\\', '/')
      return { page: p.path, target, file, anchor }
    }),
)

const texts = new Map<string, string>()
function textOf(file: string): string {
  let t = texts.get(file)
  if (t === undefined) {
    t = readFileSync(join(ROOT, file), 'utf8')
    texts.set(file, t)
  }
  return t
}

describe('links in README and docs/', () => {
  it('finds them', () => {
    expect(links.filter((l) => l.page === 'README.md' && l.file.startsWith('docs/')).length).toBeGreaterThanOrEqual(10)
  })

  it('every relative link names a file of the repository', () => {
    expect(
      links
        .filter((l) => l.file.startsWith('..') || !existsSync(join(ROOT, l.file)))
        .map((l) => `${l.page}: ${l.target}`),
    ).toEqual([])
  })

  it('every #anchor names a heading of its page', () => {
    const dead = links
      .filter((l) => l.anchor !== '' && l.file.endsWith('.md') && existsSync(join(ROOT, l.file)))
      .filter((l) => !anchorsOf(textOf(l.file)).has(l.anchor))
      .map((l) => `${l.page}: ${l.target}`)
    expect(dead).toEqual([])
  })

  it('every page of docs/ is reachable from README, and every section of it is the target of a link', () => {
    const reached = new Set(['README.md'])
    const todo = ['README.md']
    while (todo.length > 0) {
      const page = todo.pop()!
      for (const l of links) {
        if (l.page !== page || !l.file.startsWith('docs/') || reached.has(l.file)) continue
        reached.add(l.file)
        todo.push(l.file)
      }
    }
    expect(pages.map((p) => p.path).filter((p) => !reached.has(p))).toEqual([])
    const linked = new Set(links.map((l) => `${l.file}#${l.anchor}`))
    const unlinked = pages
      .filter((p) => p.path.startsWith('docs/'))
      .flatMap((p) => [...withoutFences(p.text).matchAll(/^## +(.+?)\s*$/gm)].map((m) => `${p.path}#${slug(m[1]!)}`))
      .filter((s) => !linked.has(s))
    expect(unlinked).toEqual([])
  })

  it('every repository path written as code exists', () => {
    const missing = pages.flatMap((p) =>
      [...withoutFences(p.text).matchAll(/`((?:src|test|bench|migrations|bin|docs)\/[^`\s:]*)(?::\d+)?`/g)]
        .map((m) => m[1]!)
        .filter((path) => !existsSync(join(ROOT, path)))
        .map((path) => `${p.path}: ${path}`),
    )
    expect(missing).toEqual([])
  })

  it('computes anchors the way GitHub does', () => {
    expect(slug('Configuration: `routes.yaml`')).toBe('configuration-routesyaml')
    expect(slug('`${VAR}` substitution')).toBe('var-substitution')
    expect(slug("Figures quoted in the code's comments")).toBe('figures-quoted-in-the-codes-comments')
    expect(slug('`npm run bench`, 2026-12-03')).toBe('npm-run-bench-2026-12-03')
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### A\n')]).toEqual(['a', 'a-1', 'a-2'])
  })
})
