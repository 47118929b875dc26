/** The conversation list of one store under the agent's filters: paged from the database, kept live from
 * realtime changes (a change to a conversation that is not listed is read and placed if it matches). */
import type { SupabaseClient } from '@supabase/supabase-js'
import { compareByActivity, isNewerMessage, laterOf } from '../conversation'
import { fetchConversationItem, fetchConversationPage, type PageCursor } from '../data'
import { matchesFilters, type InboxFilters } from '../filters'
import type { StoreChange } from '../realtime'
import { Store } from '../store'
import { errorText } from '../toasts'
import type { ConversationItem, ConversationRow, MessageRow } from '../types'

export interface InboxState {
  items: ConversationItem[]
  filters: InboxFilters
  /** The first page is being read (after opening the store or changing filters). */
  loading: boolean
  loadingMore: boolean
  hasMore: boolean
  /** How many conversations match the filters (from the first page's count, kept up to date roughly). */
  total: number | null
  error: string | null
}

export class InboxModel {
  readonly state: Store<InboxState>
  private cursor: PageCursor | null = null
  /** Bumped on every reload, so answers to an older query are dropped. */
  private generation = 0
  private loaded = false
  private held: StoreChange[] = []
  private readonly reading = new Map<string, { again: boolean }>()

  constructor(
    private readonly client: SupabaseClient,
    private readonly storeId: string,
    private readonly userId: string,
    filters: InboxFilters,
  ) {
    this.state = new Store<InboxState>({
      items: [],
      filters,
      loading: true,
      loadingMore: false,
      hasMore: false,
      total: null,
      error: null,
    })
  }

  setFilters(filters: InboxFilters): void {
    this.patch({ filters })
    void this.reload()
  }

  /** Reads the first page again (filters changed, or realtime rejoined after missing changes). */
  async reload(): Promise<void> {
    const generation = ++this.generation
    const { filters } = this.state.get()
    this.loaded = false // hold realtime changes until the new first page is shown
    this.patch({ loading: true, error: null })
    try {
      const page = await fetchConversationPage(this.client, this.storeId, filters, this.userId, null)
      if (generation !== this.generation) return
      this.cursor = page.cursor
      this.patch({
        items: page.items.filter((item) => matchesFilters(item, filters, this.userId)),
        hasMore: page.hasMore,
        total: page.total,
        loading: false,
      })
    } catch (error) {
      if (generation === this.generation) this.patch({ loading: false, error: errorText(error) })
    } finally {
      if (generation === this.generation) this.releaseHeld()
    }
    // A page that the in-memory check thinned out to few cards: read on so the list is not near-empty.
    if (generation === this.generation) await this.fillUp(generation)
  }

  async loadMore(): Promise<void> {
    const state = this.state.get()
    if (state.loading || state.loadingMore || !state.hasMore) return
    const generation = this.generation
    this.patch({ loadingMore: true })
    try {
      const page = await fetchConversationPage(this.client, this.storeId, state.filters, this.userId, this.cursor)
      if (generation !== this.generation) return
      this.cursor = page.cursor
      const known = new Set(this.state.get().items.map((i) => i.id))
      const fresh = page.items.filter((i) => !known.has(i.id) && matchesFilters(i, state.filters, this.userId))
      this.patch({
        items: [...this.state.get().items, ...fresh].sort(compareByActivity),
        hasMore: page.hasMore,
        loadingMore: false,
      })
    } catch (error) {
      if (generation === this.generation) this.patch({ loadingMore: false, error: errorText(error) })
    }
  }

  private async fillUp(generation: number): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const state = this.state.get()
      if (generation !== this.generation || !state.hasMore || state.items.length >= 15) return
      await this.loadMore()
    }
  }

  /** Applies a realtime change; changes that come while the first page is read wait for it. */
  apply(change: StoreChange): void {
    if (!this.loaded) {
      this.held.push(change)
      return
    }
    switch (change.table) {
      case 'messages':
        if (change.operation === 'DELETE') {
          if (change.record.conversation_id) this.refresh(change.record.conversation_id)
        } else if (change.record.store_id === this.storeId) {
          this.applyMessage(change.record, change.operation)
        }
        return
      case 'conversations':
        if (change.operation === 'DELETE') this.remove(change.record.id)
        else if (change.record.store_id === this.storeId) this.applyConversation(change.record)
        return
      default:
        return
    }
  }

  /** Re-reads one conversation (after an action of ours, or a change we cannot apply from the row alone). */
  refresh(conversationId: string): void {
    const reading = this.reading.get(conversationId)
    if (reading) {
      reading.again = true
      return
    }
    const entry = { again: false }
    this.reading.set(conversationId, entry)
    const generation = this.generation
    void (async () => {
      try {
        do {
          entry.again = false
          const { filters } = this.state.get()
          const item = await fetchConversationItem(this.client, this.storeId, conversationId, filters, this.userId)
          if (generation !== this.generation) return
          if (!item) {
            this.remove(conversationId)
            continue
          }
          // Realtime changes applied while this read was on its way may be newer than what it returned.
          const current = this.find(conversationId)
          const merged = current ? mergeItem(current, item) : item
          if (matchesFilters(merged, filters, this.userId)) this.place(merged)
          else this.remove(conversationId)
        } while (entry.again)
      } catch (error) {
        if (generation === this.generation) this.patch({ error: errorText(error) })
      } finally {
        this.reading.delete(conversationId)
      }
    })()
  }

  private releaseHeld(): void {
    this.loaded = true
    for (const change of this.held.splice(0)) this.apply(change)
  }

  private applyMessage(message: MessageRow, operation: 'INSERT' | 'UPDATE'): void {
    const item = this.find(message.conversation_id)
    if (!item) {
      // A new message (or new labels) may bring a conversation into the list: ask the database.
      const mayNowMatch = operation === 'INSERT' || (message.direction === 'inbound' && message.category !== null)
      if (mayNowMatch) this.refresh(message.conversation_id)
      return
    }
    this.replace(withMessage(item, message))
  }

  private applyConversation(row: ConversationRow): void {
    const item = this.find(row.id)
    if (!item) {
      this.refresh(row.id)
      return
    }
    this.replace({
      ...item,
      ...row,
      last_message_at: laterOf(item.last_message_at, row.last_message_at),
      last_inbound_at: laterOf(item.last_inbound_at, row.last_inbound_at),
    })
  }

  private find(conversationId: string): ConversationItem | undefined {
    return this.state.get().items.find((i) => i.id === conversationId)
  }

  /** Puts an updated card in its place, or takes it out when it no longer matches the filters. */
  private replace(item: ConversationItem): void {
    if (!matchesFilters(item, this.state.get().filters, this.userId)) {
      this.remove(item.id)
      return
    }
    this.place(item)
  }

  private place(item: ConversationItem): void {
    const state = this.state.get()
    const others = state.items.filter((i) => i.id !== item.id)
    const isNew = others.length === state.items.length
    // A conversation older than the last card loaded belongs to a later page: it comes with "load more".
    const lastLoaded = others.at(-1)
    if (isNew && state.hasMore && lastLoaded && compareByActivity(item, lastLoaded) > 0) return
    this.patch({
      items: [...others, item].sort(compareByActivity),
      total: isNew && state.total !== null ? state.total + 1 : state.total,
    })
  }

  private remove(conversationId: string): void {
    const state = this.state.get()
    const items = state.items.filter((i) => i.id !== conversationId)
    if (items.length === state.items.length) return
    this.patch({ items, total: state.total === null ? null : Math.max(0, state.total - 1) })
  }

  private patch(change: Partial<InboxState>): void {
    this.state.set({ ...this.state.get(), ...change })
  }

  dispose(): void {
    this.generation++
    this.loaded = false
    this.held = []
  }
}

/** A conversation as read from the database, keeping whatever the card already shows that is newer. */
export function mergeItem(current: ConversationItem, fresh: ConversationItem): ConversationItem {
  const rowIsNewer = !current.updated_at || !fresh.updated_at || Date.parse(fresh.updated_at) >= Date.parse(current.updated_at)
  const base = rowIsNewer ? fresh : { ...fresh, ...rowOf(current) }
  return {
    ...base,
    last: pickNewer(current.last, fresh.last),
    last_message_at: laterOf(current.last_message_at, fresh.last_message_at),
    last_inbound_at: laterOf(current.last_inbound_at, fresh.last_inbound_at),
  }
}

function rowOf(item: ConversationItem): ConversationRow {
  const { customer: _customer, last: _last, ...row } = item
  return row
}

function pickNewer<T extends { created_at: string }>(a: T | null, b: T | null): T | null {
  if (!a) return b
  if (!b) return a
  return Date.parse(a.created_at) > Date.parse(b.created_at) ? a : b
}

/** A card after one of its messages was inserted or updated. */
export function withMessage(item: ConversationItem, message: MessageRow): ConversationItem {
  const preview = {
    id: message.id,
    body: message.body,
    created_at: message.created_at,
    sender: message.sender,
    direction: message.direction,
    media: message.media,
  }
  // Labels are not taken from the message: the conversation's label (its most urgent issue) comes with
  // the conversation row, which the database updates when a message is labelled.
  return {
    ...item,
    last: isNewerMessage(preview, item.last) ? preview : item.last,
    last_message_at: laterOf(item.last_message_at, message.created_at),
    last_inbound_at:
      message.direction === 'inbound' ? laterOf(item.last_inbound_at, message.created_at) : item.last_inbound_at,
  }
}
