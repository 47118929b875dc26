/** One open conversation: its card data, whole thread, private notes, tickets and the customer's orders,
 * kept live from realtime changes; and the agent's actions on it through Sapa's API. */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { SapaApi, NewTicket, TicketChange } from '../api'
import { fetchConversationItem, fetchNotes, fetchOrders, fetchThread, fetchTickets } from '../data'
import type { StoreChange } from '../realtime'
import { Store } from '../store'
import { errorText } from '../toasts'
import type { ConversationItem, MessageRow, NoteRow, Order, TicketRow } from '../types'
import { mergeItem, withMessage } from './inbox'

export interface ConversationState {
  item: ConversationItem | null
  loading: boolean
  /** The conversation does not exist or is not this agent's store's. */
  notFound: boolean
  error: string | null
  messages: MessageRow[]
  notes: NoteRow[]
  /** Why notes could not be read (e.g. the table is not there yet); null when they were. */
  notesError: string | null
  tickets: TicketRow[]
  orders: Order[] | null
  ordersError: string | null
}

export class ConversationModel {
  readonly state: Store<ConversationState>
  private disposed = false
  private loaded = false
  private held: StoreChange[] = []

  constructor(
    private readonly client: SupabaseClient,
    private readonly api: SapaApi,
    readonly storeId: string,
    readonly conversationId: string,
    private readonly userId: string,
  ) {
    this.state = new Store<ConversationState>({
      item: null,
      loading: true,
      notFound: false,
      error: null,
      messages: [],
      notes: [],
      notesError: null,
      tickets: [],
      orders: null,
      ordersError: null,
    })
  }

  async load(): Promise<void> {
    this.loaded = false
    this.patch({ loading: true, error: null })
    try {
      const item = await fetchConversationItem(this.client, this.storeId, this.conversationId, null, this.userId)
      if (this.disposed) return
      if (!item) {
        this.patch({ loading: false, notFound: true })
        return
      }
      const [messages, tickets, notes] = await Promise.all([
        fetchThread(this.client, this.conversationId),
        fetchTickets(this.client, this.conversationId),
        fetchNotes(this.client, this.conversationId).then(
          (rows) => ({ rows, error: null }),
          (error: unknown) => ({ rows: [] as NoteRow[], error: errorText(error) }),
        ),
      ])
      if (this.disposed) return
      this.patch({
        item,
        messages,
        tickets,
        notes: notes.rows,
        notesError: notes.error,
        loading: false,
        notFound: false,
      })
      this.loaded = true
      for (const change of this.held.splice(0)) this.apply(change)
      void this.loadOrders(item)
    } catch (error) {
      if (!this.disposed) this.patch({ loading: false, error: errorText(error) })
    }
  }

  private async loadOrders(item: ConversationItem): Promise<void> {
    try {
      const orders = await fetchOrders(this.client, this.storeId, {
        id: item.customer_id,
        phone: item.customer?.phone ?? null,
      })
      if (!this.disposed) this.patch({ orders, ordersError: null })
    } catch (error) {
      if (!this.disposed) this.patch({ orders: [], ordersError: errorText(error) })
    }
  }

  apply(change: StoreChange): void {
    if (this.disposed) return
    if (!this.loaded) {
      this.held.push(change)
      return
    }
    const state = this.state.get()
    const item = state.item
    if (!item) return
    if (change.operation === 'DELETE') {
      this.applyDelete(change.table, change.record.id, change.record.conversation_id)
      return
    }
    switch (change.table) {
      case 'conversations':
        if (change.record.id === this.conversationId) this.patch({ item: { ...item, ...change.record } })
        return
      case 'messages':
        if (change.record.conversation_id !== this.conversationId) return
        this.patch({
          messages: upsertSorted(state.messages, change.record),
          item: withMessage(item, change.record),
        })
        return
      case 'tickets':
        if (change.record.conversation_id !== this.conversationId) return
        this.patch({ tickets: upsertById(state.tickets, change.record, true) })
        return
      case 'conversation_notes':
        if (change.record.conversation_id !== this.conversationId) return
        this.patch({ notes: upsertSorted(state.notes, change.record) })
        return
    }
  }

  private applyDelete(table: StoreChange['table'], id: string, conversationId: string | null): void {
    const state = this.state.get()
    if (table === 'conversations' && id === this.conversationId) this.patch({ item: null, notFound: true })
    if (conversationId !== this.conversationId) return
    if (table === 'messages') this.patch({ messages: state.messages.filter((m) => m.id !== id) })
    if (table === 'tickets') this.patch({ tickets: state.tickets.filter((t) => t.id !== id) })
    if (table === 'conversation_notes') this.patch({ notes: state.notes.filter((n) => n.id !== id) })
  }

  // Actions. Each goes through the API, which answers with the changed row: it is shown at once, and the
  // same change arrives by realtime too (for this tab and every other agent's). The conversation is read
  // once more afterwards, for what the row alone does not carry (e.g. a reply that took it over).

  takeOver(): Promise<void> {
    return this.act(() => this.api.takeOver(this.storeId, this.conversationId), 'conversation')
  }

  handBack(): Promise<void> {
    return this.act(() => this.api.handBack(this.storeId, this.conversationId), 'conversation')
  }

  resolve(): Promise<void> {
    return this.act(() => this.api.resolve(this.storeId, this.conversationId), 'conversation')
  }

  assign(assigneeId: string | null): Promise<void> {
    return this.act(() => this.api.assign(this.storeId, this.conversationId, assigneeId), 'conversation')
  }

  sendText(body: string): Promise<void> {
    return this.act(() => this.api.reply(this.storeId, this.conversationId, { body }), 'message')
  }

  sendTemplate(contentSid: string, variables: Record<string, string>): Promise<void> {
    return this.act(
      () => this.api.reply(this.storeId, this.conversationId, { content_sid: contentSid, variables }),
      'message',
    )
  }

  addNote(body: string): Promise<void> {
    return this.act(() => this.api.addNote(this.storeId, this.conversationId, body), 'note')
  }

  openTicket(ticket: NewTicket): Promise<void> {
    return this.act(() => this.api.openTicket(this.storeId, this.conversationId, ticket), 'ticket')
  }

  updateTicket(ticketId: string, change: TicketChange): Promise<void> {
    return this.act(() => this.api.updateTicket(this.storeId, ticketId, change), 'ticket')
  }

  private async act(call: () => Promise<unknown>, answers: 'conversation' | 'message' | 'note' | 'ticket'): Promise<void> {
    const row = await call()
    if (this.disposed) return
    if (isRow(row)) this.showRow(answers, row)
    void this.reread()
  }

  /** Reads the conversation again after an action; keeps whatever realtime delivered meanwhile if newer. */
  private async reread(): Promise<void> {
    try {
      const item = await fetchConversationItem(this.client, this.storeId, this.conversationId, null, this.userId)
      if (this.disposed || !item) return
      const current = this.state.get().item
      this.patch({ item: current ? mergeItem(current, item) : item })
    } catch {
      // The action itself succeeded; realtime keeps the conversation current.
    }
  }

  private showRow(kind: 'conversation' | 'message' | 'note' | 'ticket', row: { id: string }): void {
    const state = this.state.get()
    switch (kind) {
      case 'conversation':
        if (state.item && row.id === this.conversationId) {
          this.patch({ item: { ...state.item, ...(row as Partial<ConversationItem>) } })
        }
        return
      case 'message': {
        const message = row as MessageRow
        this.patch({
          messages: upsertSorted(state.messages, { ...message, media: message.media ?? [] }),
          item: state.item ? withMessage(state.item, message) : state.item,
        })
        return
      }
      case 'note':
        this.patch({ notes: upsertSorted(state.notes, row as NoteRow) })
        return
      case 'ticket':
        this.patch({ tickets: upsertById(state.tickets, row as TicketRow, true) })
        return
    }
  }

  private patch(change: Partial<ConversationState>): void {
    this.state.set({ ...this.state.get(), ...change })
  }

  dispose(): void {
    this.disposed = true
  }
}

interface Timed {
  id: string
  created_at: string
}

function byTime(a: Timed, b: Timed): number {
  const d = Date.parse(a.created_at) - Date.parse(b.created_at)
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function upsertSorted<T extends Timed>(rows: readonly T[], row: T): T[] {
  return [...rows.filter((r) => r.id !== row.id), row].sort(byTime)
}

function upsertById<T extends { id: string }>(rows: readonly T[], row: T, newestFirst: boolean): T[] {
  const index = rows.findIndex((r) => r.id === row.id)
  if (index >= 0) return rows.map((r, i) => (i === index ? row : r))
  return newestFirst ? [row, ...rows] : [...rows, row]
}

function isRow(value: unknown): value is { id: string } {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string'
}

