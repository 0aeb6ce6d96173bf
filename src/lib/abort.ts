/**
 * An abort controller for the request path, cheaper to make than Node's own. On Node 20 each
 * `new AbortController().signal` costs several µs of CPU (an in-process loop on a loaded machine: ~4–8 µs,
 * against ~0.2–0.3 µs for this one), and every request to a model endpoint needs two: its own (the client
 * gone, the route's deadline) and its attempt's (the first-byte timeout, routing/first-byte.ts). Next to a
 * bare proxy's ~35–40 µs a request, that is not small (docs/benchmarks.md).
 *
 * Its signal is an EventTarget with the AbortSignal interface
 * (https://developer.mozilla.org/en-US/docs/Web/API/AbortSignal): `aborted`, `reason`, `onabort`,
 * `throwIfAborted()` and an `abort` event, fired once. What reads signals here — undici's `request()` (an
 * EventTarget or an EventEmitter will do: https://undici.nodejs.org/#/docs/api/Dispatcher?id=parameter-requestoptions),
 * our own timers and queues — uses only that. Not for Node APIs that insist on a real AbortSignal
 * (`AbortSignal.any`, `timers/promises`, `fetch`): they check its class.
 */

class LightSignal extends EventTarget implements AbortSignal {
  aborted = false
  reason: unknown = undefined
  onabort: ((this: AbortSignal, ev: Event) => unknown) | null = null

  throwIfAborted(): void {
    if (this.aborted) throw this.reason
  }
}

export class LightAbortController {
  readonly #signal = new LightSignal()
  readonly signal: AbortSignal = this.#signal

  /** As AbortController's: the first call wins; no reason means a DOMException named AbortError. */
  abort(reason?: unknown): void {
    const s = this.#signal
    if (s.aborted) return
    s.aborted = true
    s.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
    const e = new Event('abort')
    s.onabort?.call(s, e)
    s.dispatchEvent(e)
  }
}
