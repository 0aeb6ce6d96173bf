/** UTC days and calendar months, as budgets and the spend report count them (epoch ms in, epoch ms out). */

export const DAY_MS = 86_400_000

export function dayStart(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS
}

export function monthStart(ts: number): number {
  const d = new Date(ts)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

export function nextMonthStart(ts: number): number {
  const d = new Date(ts)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}
