/** What the inbox derives from a conversation: its service window, how long the customer waits, its order. */
import type { ConversationItem, ConversationRow, Labels, MessagePreview } from './types'

/** WhatsApp lets a business send free text only within 24 hours of the customer's last message. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000

export type ServiceWindow =
  | { open: true; closesAt: number; remainingMs: number }
  | { open: false; closedAt: number | null; closedForMs: number | null }

export function serviceWindow(lastInboundAt: string | null, now: number = Date.now()): ServiceWindow {
  const last = lastInboundAt ? Date.parse(lastInboundAt) : Number.NaN
  if (!Number.isFinite(last)) return { open: false, closedAt: null, closedForMs: null }
  const closesAt = last + SERVICE_WINDOW_MS
  if (now < closesAt) return { open: true, closesAt, remainingMs: closesAt - now }
  return { open: false, closedAt: closesAt, closedForMs: now - closesAt }
}

/**
 * Since when the customer has been waiting for the shop, or null when they are not: the conversation is
 * resolved, or the shop answered last. A conversation handed to a person waits from the handoff until an
 * agent writes, even if the bot said something (e.g. "a colleague will help you") in between.
 */
export function waitingSince(item: Pick<ConversationItem, 'status' | 'last' | 'last_inbound_at' | 'handed_off_at'>): string | null {
  if (item.status === 'resolved' || !item.last) return null
  if (item.last.direction === 'inbound') return item.last_inbound_at ?? item.last.created_at
  if (item.status === 'human' && item.last.sender !== 'agent') return item.handed_off_at ?? item.last.created_at
  return null
}

/** Newest activity first; conversations without any sort last; ties by id so the order is stable. */
export function compareByActivity(a: ConversationRow, b: ConversationRow): number {
  const at = activityTime(a)
  const bt = activityTime(b)
  if (at !== bt) return bt - at
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

function activityTime(row: ConversationRow): number {
  const t = row.last_message_at ? Date.parse(row.last_message_at) : Number.NaN
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY
}

export function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return Date.parse(b) > Date.parse(a) ? b : a
}

/** A message replaces the card's last one when it is at least as new (an update of the same message too). */
export function isNewerMessage(candidate: MessagePreview, current: MessagePreview | null): boolean {
  if (current === null || candidate.id === current.id) return true
  return Date.parse(candidate.created_at) >= Date.parse(current.created_at)
}

/** What a card shows for a message without text: its attachments. */
export function messagePreviewText(message: Pick<MessagePreview, 'body' | 'media'> | null): string {
  if (!message) return 'No messages yet'
  if (message.body.trim() !== '') return message.body
  const count = message.media?.length ?? 0
  if (count === 0) return '(empty message)'
  const images = message.media?.every((m) => (m.content_type ?? '').startsWith('image/')) ?? false
  if (images) return count === 1 ? '📷 Photo' : `📷 ${count} photos`
  return count === 1 ? '📎 Attachment' : `📎 ${count} attachments`
}

/** The conversation's label (the most urgent issue of its customer messages), or null before any is labelled. */
export function conversationLabels(row: ConversationRow): Labels | null {
  if (!row.label_category && !row.label_urgency) return null
  return {
    messageId: row.label_message_id ?? null,
    category: row.label_category ?? null,
    urgency: row.label_urgency ?? null,
    confidence: row.label_confidence ?? null,
    unsure: row.label_unsure === true,
  }
}
