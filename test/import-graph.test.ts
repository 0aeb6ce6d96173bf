/**
 * The module graph of src/ points one way: no import cycles, and each folder imports only the folders
 * below it (LAYERS). Every non-test .ts file under src/ is read; static `import` / `export … from` and
 * dynamic `import('…')` of relative paths count, type-only imports included (a type import is a
 * dependency on the module's meaning, and a cycle through one is still a knot to untie).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')

/**
 * What each folder of src/ may import, besides itself. Files directly in src/ (start.ts, cli.ts…) wire
 * everything together and may import anything. An entry naming a file (`routing/events.ts`) allows that
 * file only. A new folder needs its line here.
 */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  lib: [],
  catalog: ['lib'],
  providers: ['lib', 'catalog'],
  config: ['lib', 'catalog', 'providers'],
  routing: ['lib', 'catalog', 'providers', 'config'],
  admission: ['lib', 'catalog', 'providers', 'config', 'routing', 'state/redis-link.ts'],
  // What replicas share through Redis (HEADROOM_REDIS_URL): the connection, and routing's live state.
  state: ['lib', 'catalog', 'providers', 'config', 'routing'],
  // A listener: it knows the attempt loop only through the event it emits.
  spend: ['lib', 'catalog', 'providers', 'routing/events.ts'],
  // One folder per client API: decode into the canonical request, encode answers back. Pure.
  ingress: ['lib', 'catalog', 'providers'],
  // Listeners too (metrics, request log, alerts, traces): the events, the live state they read, config's types,
  // and spend's pricing (costs as spend has them).
  observe: [
    'lib',
    'catalog',
    'providers',
    'config',
    'routing/events.ts',
    'routing/limit-store.ts',
    'routing/health.ts',
    'routing/target-states.ts',
    'spend/pricing.ts',
  ],
  server: ['lib', 'catalog', 'providers', 'config', 'routing', 'admission', 'spend', 'ingress', 'observe'],
  simulator: ['lib', 'catalog'],
}

type Graph = Map<string, string[]>

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...sourceFiles(p))
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

/** src-relative path with `/` separators: `routing/execute.ts`. */
function rel(file: string): string {
  return relative(SRC, file).split(sep).join('/')
}

function importGraph(): Graph {
  const graph: Graph = new Map()
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    const deps = info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.'))
    graph.set(rel(file), [...new Set(deps.map((s) => rel(resolve(dirname(file), s))))])
  }
  return graph
}

/** Each strongly connected component of more than one file (or a file importing itself), as one cycle through it. */
function cycles(graph: Graph): string[][] {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const out: string[][] = []
  const strong = (v: string): void => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!idx.has(w)) {
        strong(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) !== idx.get(v)) return
    const scc: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      scc.push(w)
    } while (w !== v)
    if (scc.length > 1 || graph.get(v)?.includes(v)) out.push(cycleThrough(graph, new Set(scc)))
  }
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v)
  return out
}

/** One concrete cycle inside a strongly connected component, from its first file back to it. */
function cycleThrough(graph: Graph, scc: ReadonlySet<string>): string[] {
  const start = [...scc].sort()[0]!
  const prev = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()!
    for (const w of graph.get(v) ?? []) {
      if (!scc.has(w)) continue
      if (w === start) {
        const path = [start]
        for (let x = v; x !== start; x = prev.get(x)!) path.splice(1, 0, x)
        return [...path, start]
      }
      if (!prev.has(w)) {
        prev.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}

/** The folder a src-relative file belongs to; null for files directly in src/. */
function folderOf(file: string): string | null {
  const slash = file.indexOf('/')
  return slash < 0 ? null : file.slice(0, slash)
}

/** Imports that go against LAYERS, as `from → to (why)`. */
function layerViolations(graph: Graph): string[] {
  const out: string[] = []
  for (const [from, deps] of graph) {
    const folder = folderOf(from)
    if (folder === null) continue
    const allowed = LAYERS[folder]
    if (!allowed) {
      out.push(
        `${from}: src/${folder}/ is not in LAYERS (test/import-graph.test.ts): add it, with the folders it may import`,
      )
      continue
    }
    for (const to of deps) {
      const target = folderOf(to)
      if (target === folder) continue
      if (target !== null && (allowed.includes(target) || allowed.includes(to))) continue
      const may = allowed.length === 0 ? 'nothing of ours' : allowed.join(', ')
      out.push(`${from} → ${to} (${folder}/ may import ${may})`)
    }
  }
  return out.sort()
}

describe('the import graph of src/', () => {
  const graph = importGraph()

  it('is read whole (so that the rules below cannot pass on an empty graph)', () => {
    expect(graph.size).toBeGreaterThan(100)
    let edges = 0
    for (const deps of graph.values()) edges += deps.length
    expect(edges).toBeGreaterThan(300)
    expect(graph.get('start.ts')?.length).toBeGreaterThan(5)
  })

  it('has no cycles', () => {
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([])
  })

  it('points one way: each folder imports only the folders below it', () => {
    expect(layerViolations(graph)).toEqual([])
  })

  it('resolves every relative import to a file of src/', () => {
    const missing: string[] = []
    for (const [from, deps] of graph)
      for (const to of deps) if (!graph.has(to) && !to.endsWith('.json')) missing.push(`${from} → ${to}`)
    expect(missing).toEqual([])
  })
})

describe('the checks themselves', () => {
  it('find a cycle, and name its files in order', () => {
    const g: Graph = new Map([
      ['a/x.ts', ['b/y.ts']],
      ['b/y.ts', ['b/z.ts']],
      ['b/z.ts', ['a/x.ts']],
      ['c/w.ts', []],
    ])
    expect(cycles(g)).toEqual([['a/x.ts', 'b/y.ts', 'b/z.ts', 'a/x.ts']])
  })

  it('flag an import upward, and allow one downward', () => {
    const g: Graph = new Map([
      ['providers/p.ts', ['routing/r.ts', 'lib/l.ts']],
      ['spend/s.ts', ['routing/events.ts', 'routing/execute.ts']],
      ['lib/l.ts', []],
      ['routing/r.ts', []],
      ['routing/events.ts', []],
      ['routing/execute.ts', []],
    ])
    expect(layerViolations(g)).toEqual([
      'providers/p.ts → routing/r.ts (providers/ may import lib, catalog)',
      'spend/s.ts → routing/execute.ts (spend/ may import lib, catalog, providers, routing/events.ts)',
    ])
  })
})
