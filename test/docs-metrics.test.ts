/**
 * The metrics contract where operators read it: docs/observability.md's table lists exactly the metrics
 * `/metrics` serves (metrics-contract.ts, which the e2e scrape is held to), and the Grafana dashboard and
 * the example Prometheus alert rules in docs/ use only those names, with their own labels.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CONTRACT, type MetricSpec } from '../src/observe/metrics-contract.ts'
import { ROOT } from './docs-pages.ts'

const BY_NAME = new Map(CONTRACT.map((m) => [m.name, m]))
/** A histogram's series: `…_bucket` (with `le`), `…_sum` and `…_count`. */
const HISTOGRAM_PART = /_(bucket|sum|count)$/

/** The contract metric a series name belongs to, and the labels its samples carry. */
function metricOf(series: string): { spec: MetricSpec; labels: readonly string[] } | undefined {
  const spec = BY_NAME.get(series)
  if (spec) return { spec, labels: spec.labelNames }
  const part = HISTOGRAM_PART.exec(series)
  const base = part ? BY_NAME.get(series.slice(0, part.index)) : undefined
  if (base?.type !== 'histogram') return undefined
  return { spec: base, labels: part![1] === 'bucket' ? [...base.labelNames, 'le'] : base.labelNames }
}

/**
 * What one PromQL expression asks of the contract: each `headroom_*` series named, each label its
 * selectors match on, and each label it aggregates by (`by (…)`), which must be a label of a series it reads.
 */
function problems(expr: string): string[] {
  const out: string[] = []
  const read = new Set<string>()
  for (const m of expr.matchAll(/\b(headroom_[a-z_]+)(\{[^}]*\})?/g)) {
    const found = metricOf(m[1]!)
    if (!found) {
      out.push(`${m[1]} is not a contract metric`)
      continue
    }
    for (const l of found.labels) read.add(l)
    for (const sel of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)/g))
      if (!found.labels.includes(sel[1]!)) out.push(`${m[1]} has no label ${sel[1]}`)
  }
  for (const by of expr.matchAll(/\bby\s*\(([^)]*)\)/g))
    for (const l of by[1]!.split(',').map((x) => x.trim()))
      if (!read.has(l)) out.push(`by (${l}): not a label of what "${expr}" reads`)
  let depth = 0
  for (const c of expr) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0
    if (depth < 0) break
  }
  if (depth !== 0) out.push(`unbalanced parentheses in "${expr}"`)
  return out
}

/** The contract metrics an expression reads. */
const metricsIn = (expr: string) =>
  [...expr.matchAll(/\bheadroom_[a-z_]+/g)].map((m) => metricOf(m[0])?.spec.name).filter((n) => n !== undefined)

describe('docs/observability.md', () => {
  it("lists exactly the contract's metrics, types and labels", () => {
    const text = readFileSync(join(ROOT, 'docs/observability.md'), 'utf8')
    const section = text.slice(text.indexOf('\n## Metrics'))
    const rows = [...section.matchAll(/^\| `(headroom_[a-z_]+)` \| (\w+) \|([^|]*)\|/gm)].map((m) => ({
      name: m[1],
      type: m[2],
      labelNames: m[3]!
        .split(',')
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    }))
    expect(rows).toEqual(CONTRACT.map((m) => ({ name: m.name, type: m.type, labelNames: [...m.labelNames] })))
  })
})

interface Panel {
  id: number
  type: string
  title: string
  gridPos: { x: number; y: number; w: number; h: number }
  targets?: Array<{ expr: string; refId: string }>
  datasource?: { type: string; uid: string }
}

describe('docs/grafana-dashboard.json', () => {
  const dash = JSON.parse(readFileSync(join(ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as {
    title: string
    uid: string
    schemaVersion: number
    panels: Panel[]
    templating: { list: Array<{ name: string; type: string; query: unknown }> }
  }
  const panels = dash.panels.filter((p) => p.type !== 'row')
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))

  it('is a dashboard Grafana imports: unique panel ids, panels on the 24-column grid without overlap, a Prometheus data source variable', () => {
    expect(dash).toMatchObject({ title: 'Headroom', uid: expect.any(String), schemaVersion: expect.any(Number) })
    const ids = dash.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    const taken = new Set<string>()
    for (const p of dash.panels) {
      const { x, y, w, h } = p.gridPos
      expect(x + w, p.title).toBeLessThanOrEqual(24)
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(taken.has(`${i},${j}`), `${p.title} overlaps another panel`).toBe(false)
          taken.add(`${i},${j}`)
        }
    }
    expect(dash.templating.list.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    })
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' })
      expect(p.targets?.length, p.title).toBeGreaterThan(0)
    }
  })

  it('reads only contract metrics, by their own labels', () => {
    const vars = dash.templating.list.flatMap((v) => (typeof v.query === 'object' ? [JSON.stringify(v.query)] : []))
    expect([...exprs, ...vars].flatMap(problems)).toEqual([])
  })

  it('shows requests, errors, latency, time to first token, headroom and runway per target, spend per route, breakers and queues', () => {
    const shown = new Set(exprs.flatMap(metricsIn))
    for (const name of [
      'headroom_requests_total',
      'headroom_request_duration_seconds',
      'headroom_time_to_first_token_seconds',
      'headroom_ratelimit_remaining_ratio',
      'headroom_ratelimit_runway_seconds',
      'headroom_cost_usd_total',
      'headroom_breaker_state',
      'headroom_queue_depth',
      'headroom_queue_wait_seconds',
    ])
      expect(shown.has(name), name).toBe(true)
    expect(exprs.some((e) => /histogram_quantile\(0\.95, .*headroom_request_duration_seconds_bucket/.test(e))).toBe(
      true,
    )
    expect(exprs.some((e) => /sum by \(route\) \(.*headroom_cost_usd_total/.test(e))).toBe(true)
  })
})

describe('docs/prometheus-alerts.yml', () => {
  const file = parse(readFileSync(join(ROOT, 'docs/prometheus-alerts.yml'), 'utf8')) as {
    groups: Array<{ name: string; rules: Array<Record<string, unknown>> }>
  }
  const rules = file.groups.flatMap((g) => g.rules)

  it('is a rule file of alerting rules, each with an expression on contract metrics by their own labels, a severity and a summary', () => {
    expect(rules.length).toBeGreaterThan(0)
    for (const r of rules) {
      expect(
        Object.keys(r).every((k) => ['alert', 'expr', 'for', 'labels', 'annotations'].includes(k)),
        String(r['alert']),
      ).toBe(true)
      expect(r).toMatchObject({
        alert: expect.stringMatching(/^[A-Z][A-Za-z]+$/),
        expr: expect.any(String),
        labels: { severity: expect.stringMatching(/^(warning|critical)$/) },
        annotations: { summary: expect.any(String) },
      })
      expect(metricsIn(r['expr'] as string).length, String(r['alert'])).toBeGreaterThan(0)
      // Template labels name labels of what the rule reads.
      const own = new Set(metricsIn(r['expr'] as string).flatMap((n) => BY_NAME.get(n)!.labelNames))
      for (const m of JSON.stringify(r['annotations']).matchAll(/\$labels\.(\w+)/g))
        expect(own.has(m[1]!), `${String(r['alert'])}: $labels.${m[1]}`).toBe(true)
    }
    expect(rules.flatMap((r) => problems(r['expr'] as string))).toEqual([])
  })

  it('covers a short runway, little headroom, an open breaker, a budget nearly spent and the error rate', () => {
    const exprs = rules.map((r) => (r['expr'] as string).replace(/\s+/g, ' '))
    for (const want of [
      /^headroom_ratelimit_runway_seconds < 60$/,
      /^headroom_ratelimit_remaining_ratio < 0\.1$/,
      /^headroom_breaker_state == 2$/,
      /^headroom_budget_used_ratio > 0\.9$/,
      /headroom_requests_total\{status=~"5\.\."\}.* \/ .*headroom_requests_total.* > 0\.05/,
    ])
      expect(
        exprs.some((e) => want.test(e.trim())),
        String(want),
      ).toBe(true)
  })
})
