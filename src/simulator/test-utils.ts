/** Shared bits of the simulator's tests (not a test file itself). */

/** A real 1×1 PNG: the simulated APIs check image bytes like the real ones. */
export const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

/** A prompt long enough to be cached (≈ 1500 tokens by the simulator's 4-characters rule). */
export const LONG_TEXT = 'All work and no play makes a dull model. '.repeat(150)

export async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: r.status, headers: r.headers, text: await r.text() }
}
