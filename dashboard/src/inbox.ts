import { INBOX_LIMIT } from './data'
import { h, show } from './dom'
import { formatMessageTime, statusLabel } from './format'
import type { Conversation, ConversationRow, MessagePreview, MessageRow } from './types'

interface Entry {
  conversation: Conversation
  latest: MessagePreview | null
  card: HTMLLIElement
}

/**
 * The conversation list of one store: newest activity first, one card per conversation.
 * Cards are kept and moved (not rebuilt) so realtime updates do not flicker.
 */
export class Inbox {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly list: HTMLUListElement,
    private readonly emptyNote: HTMLElement,
  ) {}

  clear(): void {
    this.entries.clear()
    this.list.replaceChildren()
    show(this.emptyNote, false)
  }

  load(conversations: readonly Conversation[], latest: ReadonlyMap<string, MessagePreview>): void {
    this.clear()
    for (const conversation of conversations) {
      this.upsert(conversation, latest.get(conversation.id) ?? null)
    }
    this.reorder()
  }

  has(conversationId: string): boolean {
    return this.entries.has(conversationId)
  }

  /** Inserts or replaces a conversation; an existing latest message is kept unless a newer one is given. */
  upsert(conversation: Conversation, latest: MessagePreview | null = null): void {
    const existing = this.entries.get(conversation.id)
    if (existing) {
      existing.conversation = conversation
      if (latest && isNewer(latest, existing.latest)) existing.latest = latest
      renderCard(existing)
    } else {
      const entry: Entry = { conversation, latest, card: h('li', { testId: 'conversation-card' }) }
      entry.card.dataset['conversationId'] = conversation.id
      this.entries.set(conversation.id, entry)
      renderCard(entry)
    }
    this.reorder()
  }

  /** Applies a conversation row change; returns false when the conversation is not listed. */
  updateConversation(row: ConversationRow): boolean {
    const entry = this.entries.get(row.id)
    if (!entry) return false
    entry.conversation = {
      ...entry.conversation,
      status: row.status,
      summary: row.summary,
      last_message_at: latestOf(entry.conversation.last_message_at, row.last_message_at),
    }
    renderCard(entry)
    this.reorder()
    return true
  }

  /** Shows a new message on its conversation's card; returns false when the conversation is not listed. */
  applyMessage(message: MessageRow): boolean {
    const entry = this.entries.get(message.conversation_id)
    if (!entry) return false
    const preview: MessagePreview = {
      conversation_id: message.conversation_id,
      body: message.body,
      created_at: message.created_at,
    }
    if (isNewer(preview, entry.latest)) entry.latest = preview
    entry.conversation = {
      ...entry.conversation,
      last_message_at: latestOf(entry.conversation.last_message_at, message.created_at),
    }
    renderCard(entry)
    this.reorder()
    return true
  }

  remove(conversationId: string): void {
    this.entries.get(conversationId)?.card.remove()
    this.entries.delete(conversationId)
    this.reorder()
  }

  private reorder(): void {
    const ordered = [...this.entries.values()].sort(byLastActivity)
    for (const dropped of ordered.splice(INBOX_LIMIT)) {
      dropped.card.remove()
      this.entries.delete(dropped.conversation.id)
    }
    ordered.forEach((entry, index) => {
      if (this.list.children[index] !== entry.card) this.list.insertBefore(entry.card, this.list.children[index] ?? null)
    })
    show(this.emptyNote, ordered.length === 0)
  }
}

function renderCard({ conversation, latest, card }: Entry): void {
  const customer = conversation.customer
  card.dataset['status'] = conversation.status
  const lastAt = latest?.created_at ?? conversation.last_message_at
  const time = h('time', { testId: 'last-message-at', text: formatMessageTime(lastAt) })
  if (lastAt) time.dateTime = lastAt
  card.replaceChildren(
    h(
      'article',
      { className: 'card' },
      h(
        'header',
        { className: 'card__header' },
        h('span', { testId: 'customer-name', className: 'card__name', text: customer?.name || 'Unknown customer' }),
        h('span', { testId: 'customer-phone', className: 'card__phone', text: customer?.phone ?? '' }),
        h('span', {
          testId: 'status-badge',
          className: `badge badge--${conversation.status}`,
          text: statusLabel(conversation.status),
        }),
      ),
      h('p', {
        testId: 'last-message',
        className: 'card__message',
        text: latest?.body ?? conversation.summary ?? 'No messages yet',
      }),
      time,
    ),
  )
}

function byLastActivity(a: Entry, b: Entry): number {
  const at = activity(a)
  const bt = activity(b)
  if (at === bt) return a.conversation.id < b.conversation.id ? -1 : 1
  return bt - at
}

/** Newest of the conversation's last_message_at and its latest shown message; conversations without either sort last. */
function activity(entry: Entry): number {
  const times = [entry.conversation.last_message_at, entry.latest?.created_at]
    .map((t) => (t ? Date.parse(t) : Number.NaN))
    .filter(Number.isFinite)
  return times.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...times)
}

function isNewer(candidate: MessagePreview, current: MessagePreview | null): boolean {
  return current === null || Date.parse(candidate.created_at) >= Date.parse(current.created_at)
}

function latestOf(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return Date.parse(b) > Date.parse(a) ? b : a
}
