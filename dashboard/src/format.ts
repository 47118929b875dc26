/** How times, durations, money and labels read in the dashboard. Pure functions of their inputs. */
import type { ConversationStatus, IssueCategory, MessageStatus, TicketPriority, TicketStatus, Urgency } from './types'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' })
const dayAndMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' })

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null
  const at = new Date(iso)
  return Number.isNaN(at.getTime()) ? null : at
}

/** A card's time: "14:05" today, "Yesterday", "3 Nov" this year, "3 Nov 2025" before. */
export function formatListTime(iso: string | null, now: Date = new Date()): string {
  const at = parse(iso)
  if (!at) return ''
  if (at.toDateString() === now.toDateString()) return timeOnly.format(at)
  const yesterday = new Date(now.getTime() - DAY)
  if (at.toDateString() === yesterday.toDateString()) return 'Yesterday'
  return at.getFullYear() === now.getFullYear() ? dayAndMonth.format(at) : fullDate.format(at)
}

/** "14:05" for a message bubble. */
export function formatClock(iso: string | null): string {
  const at = parse(iso)
  return at ? timeOnly.format(at) : ''
}

/** "3 Nov 2025, 14:05" (tooltips, orders). */
export function formatDateTime(iso: string | null): string {
  const at = parse(iso)
  return at ? dateAndTime.format(at) : ''
}

export function formatDate(iso: string | null): string {
  const at = parse(iso)
  return at ? fullDate.format(at) : ''
}

/** The thread's day separators: "Today", "Yesterday", "Monday", "3 Nov 2025". */
export function formatDay(iso: string, now: Date = new Date()): string {
  const at = parse(iso)
  if (!at) return ''
  if (at.toDateString() === now.toDateString()) return 'Today'
  if (at.toDateString() === new Date(now.getTime() - DAY).toDateString()) return 'Yesterday'
  if (now.getTime() - at.getTime() < 6 * DAY) return weekday.format(at)
  return fullDate.format(at)
}

/** A compact duration: "45s", "12m", "3h 05m", "2d 4h". */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms)
  if (safe < MINUTE) return `${Math.floor(safe / 1000)}s`
  if (safe < HOUR) return `${Math.floor(safe / MINUTE)}m`
  if (safe < DAY) {
    const hours = Math.floor(safe / HOUR)
    const minutes = Math.floor((safe % HOUR) / MINUTE)
    return `${hours}h ${String(minutes).padStart(2, '0')}m`
  }
  const days = Math.floor(safe / DAY)
  const hours = Math.floor((safe % DAY) / HOUR)
  return hours === 0 ? `${days}d` : `${days}d ${hours}h`
}

const moneyFormats = new Map<string, Intl.NumberFormat>()

/** "Rp 1.853.000" for IDR; whatever the currency, its usual digits. */
export function formatMoney(amount: number | string, currency: string): string {
  const value = typeof amount === 'number' ? amount : Number(amount)
  if (!Number.isFinite(value)) return String(amount)
  let format = moneyFormats.get(currency)
  if (!format) {
    try {
      format = new Intl.NumberFormat(currency === 'IDR' ? 'id-ID' : undefined, {
        style: 'currency',
        currency,
        maximumFractionDigits: currency === 'IDR' ? 0 : 2,
      })
    } catch {
      format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 })
    }
    moneyFormats.set(currency, format)
  }
  return format.format(value)
}

/** Two letters for an avatar: "Gaiman Purwanti" → "GP"; a phone number → its last two digits. */
export function initials(name: string | null | undefined, phone: string | null | undefined): string {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean)
  if (words.length >= 2) return `${words[0]?.[0] ?? ''}${words[words.length - 1]?.[0] ?? ''}`.toUpperCase()
  if (words.length === 1) return (words[0] ?? '').slice(0, 2).toUpperCase()
  return (phone ?? '').replace(/\D/g, '').slice(-2) || '?'
}

export const STATUS_LABELS: Record<ConversationStatus, string> = {
  bot: 'Bot',
  human: 'Human',
  resolved: 'Resolved',
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as ConversationStatus] ?? status
}

export const CATEGORY_LABELS: Record<IssueCategory, string> = {
  delivery: 'Delivery',
  order: 'Order',
  payment: 'Payment',
  refund: 'Refund',
  other: 'Other',
}

export const URGENCY_LABELS: Record<Urgency, string> = { high: 'High', medium: 'Medium', low: 'Low' }

export const MESSAGE_STATUS_LABELS: Record<MessageStatus, string> = {
  received: 'Received',
  queued: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not delivered',
  sandbox: 'Sandbox (not sent to WhatsApp)',
}

export const TICKET_STATUS_LABELS: Record<TicketStatus, string> = {
  open: 'Open',
  pending: 'Pending',
  resolved: 'Resolved',
}

export const TICKET_PRIORITY_LABELS: Record<TicketPriority, string> = {
  low: 'Low',
  normal: 'Normal',
  high: 'High',
  urgent: 'Urgent',
}

/** "processing" → "Processing", "on-hold" → "On hold". */
export function humanize(value: string): string {
  const spaced = value.replace(/[-_]+/g, ' ').trim()
  return spaced.charAt(0).toUpperCase() + spaced.slice(1)
}
