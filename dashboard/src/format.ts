const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' })
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** "14:05" for today, "3 Nov 2025, 14:05" otherwise; an empty string for no time. */
export function formatMessageTime(iso: string | null, now: Date = new Date()): string {
  if (iso === null) return ''
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return ''
  return at.toDateString() === now.toDateString() ? timeOnly.format(at) : dateAndTime.format(at)
}

const STATUS_LABELS: Record<string, string> = { bot: 'Bot', human: 'Human', resolved: 'Resolved' }

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status
}
