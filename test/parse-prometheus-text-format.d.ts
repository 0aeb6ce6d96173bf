// The parser the metrics tests read /metrics with (it ships no types): prom2json's shape, values as text.
declare module 'parse-prometheus-text-format' {
  interface Sample {
    labels?: Record<string, string>
    /** Counters, gauges and untyped samples. */
    value?: string
    /** Histograms: cumulative counts by upper bound (`"0.05"`, …, `"+Inf"`). */
    buckets?: Record<string, string>
    count?: string
    sum?: string
  }
  interface MetricFamily {
    name: string
    help: string
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    metrics: Sample[]
  }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[]
}
