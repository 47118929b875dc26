/** Working in one store: its live channel, its inbox, its team and templates, and the open conversation. */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { SapaApi } from '../api'
import { fetchQueueCounts, fetchTeam, type QueueCounts } from '../data'
import { DEFAULT_FILTERS, type InboxFilters } from '../filters'
import { subscribeToStore, unsubscribe, type ChannelStatus, type StoreSubscription } from '../realtime'
import { Store } from '../store'
import type { StoreMembership, TeamMember, Template } from '../types'
import { ConversationModel } from './conversation'
import { InboxModel } from './inbox'

const FILTERS_KEY = 'sapa.inboxFilters'

export interface RealtimeState {
  status: ChannelStatus
  error: string | null
}

export interface TemplatesState {
  list: Template[] | null
  error: string | null
}

export class Workspace {
  readonly realtime = new Store<RealtimeState>({ status: 'CONNECTING', error: null })
  readonly team = new Store<TeamMember[]>([])
  readonly templates = new Store<TemplatesState>({ list: null, error: null })
  readonly open = new Store<ConversationModel | null>(null)
  readonly queue = new Store<QueueCounts | null>(null)
  /** Since when WhatsApp sends have been failing (Twilio down: they wait for a retry); null when none wait. */
  readonly deliveryDelayedSince = new Store<string | null>(null)
  private queueTimer: ReturnType<typeof setTimeout> | null = null
  readonly inbox: InboxModel
  private subscription: StoreSubscription | null = null
  private readonly broadcastListeners = new Set<(payload: unknown) => void>()
  private disposed = false
  private joinedBefore = false

  constructor(
    readonly client: SupabaseClient,
    readonly api: SapaApi,
    readonly membership: StoreMembership,
    readonly userId: string,
  ) {
    this.inbox = new InboxModel(client, membership.store_id, userId, loadFilters())
    this.inbox.state.subscribe((state) => saveFilters(state.filters))
  }

  get storeId(): string {
    return this.membership.store_id
  }

  get currency(): string {
    return this.membership.stores?.currency ?? 'IDR'
  }

  /** Joins the store's channel first and reads afterwards, holding changes back meanwhile, so none fall in between. */
  async start(accessToken: string): Promise<void> {
    const subscription = await subscribeToStore(
      this.client,
      accessToken,
      this.storeId,
      (change) => {
        if (this.disposed) return
        this.inbox.apply(change)
        this.open.get()?.apply(change)
        if (change.table === 'conversations') this.countQueueSoon()
      },
      (status, error) => {
        if (this.disposed) return
        this.realtime.set({ status, error: error?.message ?? null })
        if (status !== 'SUBSCRIBED') return
        // A rejoin after a dropped connection: changes made meanwhile were not sent to us, so read again.
        if (this.joinedBefore) {
          void this.inbox.reload()
          void this.open.get()?.load()
        }
        this.joinedBefore = true
      },
      (payload) => {
        if (this.disposed) return
        if ((payload as { table?: unknown } | null)?.table === 'outbound_retries') void this.loadDeliveryDelay()
        for (const listener of [...this.broadcastListeners]) listener(payload)
      },
    )
    if (this.disposed) {
      await unsubscribe(this.client, subscription)
      return
    }
    this.subscription = subscription
    await Promise.all([this.inbox.reload(), this.loadTeam(), this.countQueue(), this.loadDeliveryDelay()])
  }

  /** The oldest message waiting for Twilio (outbound_retries, readable by the store's members). */
  private async loadDeliveryDelay(): Promise<void> {
    const { data, error } = await this.client
      .from('outbound_retries')
      .select('first_failed_at')
      .eq('store_id', this.storeId)
      .order('first_failed_at', { ascending: true })
      .limit(1)
    if (error || this.disposed) return // the banner is a convenience: the messages show their state too
    this.deliveryDelayedSince.set((data?.[0]?.first_failed_at as string | undefined) ?? null)
  }

  private async countQueue(): Promise<void> {
    try {
      const counts = await fetchQueueCounts(this.client, this.storeId, this.userId)
      if (!this.disposed) this.queue.set(counts)
    } catch {
      // The overview is a convenience; the inbox has the conversations themselves.
    }
  }

  /** Counts again a moment after conversations change (a burst of changes costs one count). */
  private countQueueSoon(): void {
    if (this.queueTimer !== null) return
    this.queueTimer = setTimeout(() => {
      this.queueTimer = null
      if (!this.disposed) void this.countQueue()
    }, 1000)
  }

  /** The team with names from the API; if that fails, the bare membership rows (labelled by role). */
  private async loadTeam(): Promise<void> {
    try {
      const team = await this.api.members(this.storeId)
      if (!this.disposed) this.team.set(team)
      return
    } catch {
      // fall through to what RLS lets us read directly
    }
    try {
      const team = await fetchTeam(this.client, this.storeId)
      if (!this.disposed) this.team.set(team)
    } catch {
      // The assignee picker then offers only "me" and "unassigned"; the inbox itself still works.
    }
  }

  /** The store's approved templates, read once when a composer first needs them. */
  async loadTemplates(): Promise<void> {
    if (this.templates.get().list !== null) return
    try {
      const list = await this.api.templates(this.storeId)
      if (!this.disposed) this.templates.set({ list, error: null })
    } catch (error) {
      if (!this.disposed) {
        this.templates.set({ list: [], error: error instanceof Error ? error.message : String(error) })
      }
    }
  }

  /** Every broadcast on the store's topic, raw (pages other than the inbox parse the tables they show). */
  onBroadcast(listener: (payload: unknown) => void): () => void {
    this.broadcastListeners.add(listener)
    return () => this.broadcastListeners.delete(listener)
  }

  setFilters(filters: InboxFilters): void {
    this.inbox.setFilters(filters)
  }

  /** Opens a conversation (or closes the open one with null). */
  select(conversationId: string | null): void {
    const current = this.open.get()
    if (current?.conversationId === conversationId) return
    current?.dispose()
    if (conversationId === null) {
      this.open.set(null)
      return
    }
    const model = new ConversationModel(this.client, this.api, this.storeId, conversationId, this.userId)
    this.open.set(model)
    void model.load()
  }

  async dispose(): Promise<void> {
    this.disposed = true
    if (this.queueTimer !== null) clearTimeout(this.queueTimer)
    this.inbox.dispose()
    this.open.get()?.dispose()
    const subscription = this.subscription
    this.subscription = null
    if (subscription) await unsubscribe(this.client, subscription)
  }
}

function loadFilters(): InboxFilters {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(FILTERS_KEY) ?? 'null')
    if (typeof raw === 'object' && raw !== null) return { ...DEFAULT_FILTERS, ...(raw as Partial<InboxFilters>), search: '' }
  } catch {
    // A damaged entry: start from the defaults.
  }
  return DEFAULT_FILTERS
}

function saveFilters(filters: InboxFilters): void {
  const { search: _search, ...kept } = filters
  localStorage.setItem(FILTERS_KEY, JSON.stringify(kept))
}
