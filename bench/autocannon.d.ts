// The parts of autocannon's API the benchmarks use (it ships no types; @types/autocannon is not needed for this).
declare module 'autocannon' {
  export interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }
  interface RequestSpec extends Request {
    /** Called before each request is sent; returns the request to send. */
    setupRequest?: (req: Request) => Request
  }
  interface Options {
    /** Several URLs: connection i goes to url[i % url.length]. */
    url: string | string[]
    method?: string
    headers?: Record<string, string>
    body?: string
    connections?: number
    duration?: number
    /** Stop after this many requests (instead of after `duration`). */
    amount?: number
    pipelining?: number
    requests?: RequestSpec[]
  }
  interface Histogram {
    average: number
    p50: number
    p99: number
    total: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    errors: number
    non2xx: number
  }
  /** The run: a promise of its result, and an emitter of its events ('response' per response). */
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: () => void): this
  }
  function autocannon(opts: Options): Instance
  export default autocannon
}
