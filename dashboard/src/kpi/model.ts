/** The KPI page's state: the chosen period, the figures of it and of its comparison period, and the insights
 * paragraph. Figures are read again (at most once a second) when the store's messages, conversations or orders
 * change, so the tiles and charts follow the shop live. */
import { ApiError } from '../api'
import type { Workspace } from '../models/workspace'
import { Store } from '../store'
import { fetchFigures, type Figures } from './data'
import { bucketOf, localDate, periodOf, previousPeriod, type Bucket, type Period, type Selection } from './period'

const SELECTION_KEY = 'sapa.kpiSelection'
/** Changes arriving within this time cost one read of the figures. */
export const REFRESH_DELAY_MS = 1000
/** Presets end "now": read again now and then even when nothing is broadcast, so "today" keeps up. */
const CLOCK_REFRESH_MS = 5 * 60_000
const LIVE_TABLES = new Set(['messages', 'conversations', 'orders'])

export interface InsightsState {
  status: 'idle' | 'loading' | 'ready' | 'error'
  paragraph: string | null
  source: 'llm' | 'offline' | null
  generatedAt: string | null
  error: string | null
  /** The figures have changed since the paragraph was written. */
  stale: boolean
}

export interface KpiState {
  selection: Selection
  period: Period | null
  previous: Period | null
  bucket: Bucket
  current: Figures | null
  before: Figures | null
  loading: boolean
  error: string | null
  /** When the figures on screen were read (ms since the epoch). */
  readAt: number | null
  insights: InsightsState
}

const NO_INSIGHTS: InsightsState = {
  status: 'idle',
  paragraph: null,
  source: null,
  generatedAt: null,
  error: null,
  stale: false,
}

export class KpiModel {
  readonly state: Store<KpiState>
  private readonly cleanups: (() => void)[] = []
  private refreshTimer: ReturnType<typeof setTimeout> | null = null
  private reads = 0
  private insightRequests = 0
  private disposed = false

  constructor(private readonly workspace: Workspace) {
    this.state = new Store<KpiState>({
      selection: loadSelection(this.timeZone),
      period: null,
      previous: null,
      bucket: 'day',
      current: null,
      before: null,
      loading: true,
      error: null,
      readAt: null,
      insights: NO_INSIGHTS,
    })
  }

  get timeZone(): string {
    return this.workspace.membership.stores?.timezone ?? 'Asia/Jakarta'
  }

  get currency(): string {
    return this.workspace.currency
  }

  start(): void {
    this.cleanups.push(
      this.workspace.onBroadcast((payload) => {
        if (isRecord(payload) && typeof payload['table'] === 'string' && LIVE_TABLES.has(payload['table'])) {
          this.refreshSoon()
        }
      }),
    )
    let joinedBefore = false
    this.cleanups.push(
      this.workspace.realtime.subscribe(({ status }) => {
        // A rejoin after a dropped connection: what changed meanwhile was not broadcast to us.
        if (status === 'SUBSCRIBED' && joinedBefore) this.refreshSoon()
        if (status === 'SUBSCRIBED') joinedBefore = true
      }),
    )
    const clock = setInterval(() => this.refreshSoon(), CLOCK_REFRESH_MS)
    this.cleanups.push(() => clearInterval(clock))
    void this.load().then(() => this.writeInsights())
  }

  dispose(): void {
    this.disposed = true
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer)
    for (const cleanup of this.cleanups.splice(0)) cleanup()
  }

  select(selection: Selection): void {
    localStorage.setItem(SELECTION_KEY, JSON.stringify(selection))
    this.state.update((s) => ({ ...s, selection, insights: NO_INSIGHTS }))
    void this.load().then(() => this.writeInsights())
  }

  /** Reads the figures again a moment from now; a burst of changes costs one read. */
  refreshSoon(): void {
    if (this.refreshTimer !== null || this.disposed) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      void this.load({ live: true })
    }, REFRESH_DELAY_MS)
  }

  /** The figures of the selected period (recomputed from the clock: presets end now) and of the one before. */
  async load({ live = false } = {}): Promise<void> {
    const { selection } = this.state.get()
    const period = periodOf(selection, this.timeZone)
    if (!period) {
      this.state.update((s) => ({
        ...s,
        loading: false,
        error: 'Choose a first and last day, the first not after the last.',
      }))
      return
    }
    const previous = previousPeriod(period, this.timeZone)
    const bucket = bucketOf(period)
    const read = ++this.reads
    if (!live) this.state.update((s) => ({ ...s, loading: true, error: null }))
    try {
      const client = this.workspace.client
      const storeId = this.workspace.storeId
      const [current, before] = await Promise.all([
        fetchFigures(client, storeId, period, bucket),
        fetchFigures(client, storeId, previous, bucket),
      ])
      if (this.disposed || read !== this.reads) return
      this.state.update((s) => ({
        ...s,
        period,
        previous,
        bucket,
        current,
        before,
        loading: false,
        error: null,
        readAt: Date.now(),
        insights: live && s.insights.status === 'ready' ? { ...s.insights, stale: true } : s.insights,
      }))
    } catch (error) {
      if (this.disposed || read !== this.reads) return
      this.state.update((s) => ({
        ...s,
        loading: false,
        error: error instanceof Error ? error.message : String(error),
      }))
    }
  }

  /** Asks Sapa's API for the insights paragraph of the period on screen. */
  async writeInsights(): Promise<void> {
    const { period } = this.state.get()
    if (!period || this.disposed) return
    const request = ++this.insightRequests
    this.state.update((s) => ({ ...s, insights: { ...s.insights, status: 'loading', error: null } }))
    try {
      const body = await this.workspace.api.request('POST', this.workspace.storeId, 'insights', {
        from: period.from.toISOString(),
        to: period.to.toISOString(),
      })
      if (this.disposed || request !== this.insightRequests) return
      if (!isRecord(body) || typeof body['paragraph'] !== 'string')
        throw new ApiError(500, 'The insights have an unexpected shape')
      this.state.update((s) => ({
        ...s,
        insights: {
          status: 'ready',
          paragraph: String(body['paragraph']),
          source: body['source'] === 'llm' ? 'llm' : 'offline',
          generatedAt: typeof body['generated_at'] === 'string' ? body['generated_at'] : null,
          error: null,
          stale: false,
        },
      }))
    } catch (error) {
      if (this.disposed || request !== this.insightRequests) return
      const message = error instanceof Error ? error.message : String(error)
      this.state.update((s) => ({ ...s, insights: { ...s.insights, status: 'error', error: message } }))
    }
  }
}

function loadSelection(timeZone: string): Selection {
  const today = localDate(new Date(), timeZone)
  const fallback: Selection = { preset: '7d', customFrom: today, customTo: today }
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(SELECTION_KEY) ?? 'null')
    if (isRecord(raw) && ['today', '7d', '30d', 'custom'].includes(String(raw['preset']))) {
      return { ...fallback, ...(raw as Partial<Selection>) }
    }
  } catch {
    // A damaged entry: start from the default.
  }
  return fallback
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
