/**
 * Image checks. The real APIs decode every inline image and reject bytes that are not an image of the
 * declared type; doing the same here (on the first bytes only) makes image translation bugs visible.
 */

export const IMAGE_MEDIA_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp']

/** The media type the base64 data's magic bytes say, or null when it is no image we know. */
export function sniffImage(base64: string): string | null {
  const head = Buffer.from(base64.slice(0, 24), 'base64')
  if (head.length >= 4 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47)
    return 'image/png'
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg'
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'GIF8') return 'image/gif'
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp'
  return null
}

/** `data:<mime>;base64,<data>` → its parts, or null when the URL is not a base64 data URL. */
export function parseDataUrl(url: string): { mime: string; data: string } | null {
  if (!url.startsWith('data:')) return null
  const comma = url.indexOf(',')
  if (comma === -1) return null
  const meta = url.slice(5, comma)
  if (!meta.endsWith(';base64')) return null
  return { mime: meta.slice(0, -7), data: url.slice(comma + 1) }
}
