/**
 * An alert as the webhook receives it: `json`, the alert object itself (`{type, level, scope, name,
 * value, threshold, at, message}`, plus `dimension` or `period`); `slack`, the `{text}` of a Slack
 * incoming webhook (https://api.slack.com/messaging/webhooks), with `&`, `<` and `>` escaped as Slack
 * asks (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
type AlertType = 'headroom' | 'budget' | 'breaker' | 'error_rate' | 'runway'

/** What is POSTed (format json), and logged. */
export interface Alert {
  type: AlertType
  /** `critical` for the highest (or only) threshold of its kind, and breakers; `warning` for the lower ones. */
  level: 'warning' | 'critical'
  /** `target` (a target state id), or a budget's: `key`, `route`. */
  scope: 'target' | 'key' | 'route'
  name: string
  value: number
  threshold: number
  /** ISO 8601. */
  at: string
  message: string
  /** headroom and runway: which limit (`requests`, `tokens`, `input_tokens`, `output_tokens`). */
  dimension?: string
  /** budget: `day` or `month`. */
  period?: string
}

function slackEscape(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

export function alertBody(a: Alert, format: 'json' | 'slack'): string {
  if (format === 'json') return JSON.stringify(a)
  const icon = a.level === 'critical' ? ':rotating_light:' : ':warning:'
  return JSON.stringify({ text: `${icon} *Headroom ${a.level}* (${a.type}): ${slackEscape(a.message)}` })
}
