/** The store's knowledge documents, kept current: read once, then changed by uploads, deletions and the
 * knowledge_documents broadcasts on the store's topic (processing → ready/failed happens in a worker). */
import type { Workspace } from '../models/workspace'
import { Store } from '../store'
import { errorText } from '../toasts'
import {
  formatBytes,
  isDocument,
  isRecord,
  KnowledgeApi,
  MAX_UPLOAD_BYTES,
  type KnowledgeDocument,
  type Passage,
} from './api'

export interface Upload {
  key: number
  filename: string
  /** 0 to 1 while sending. */
  progress: number
  replaces: string | null
  error: string | null
}

export interface KnowledgeState {
  documents: KnowledgeDocument[] | null
  error: string | null
  uploads: Upload[]
}

export interface SearchState {
  question: string
  passages: Passage[] | null
  busy: boolean
  error: string | null
}

let nextUploadKey = 1

export class KnowledgeModel {
  readonly state = new Store<KnowledgeState>({ documents: null, error: null, uploads: [] })
  readonly search = new Store<SearchState>({ question: '', passages: null, busy: false, error: null })
  private readonly api: KnowledgeApi
  private readonly stops: (() => void)[] = []
  private reloadTimer: ReturnType<typeof setTimeout> | null = null
  private disposed = false

  constructor(private readonly workspace: Workspace) {
    this.api = new KnowledgeApi(workspace.api)
  }

  get storeId(): string {
    return this.workspace.storeId
  }

  get canEdit(): boolean {
    return this.workspace.membership.role === 'owner' || this.workspace.membership.role === 'admin'
  }

  /** Listens first, then reads, so no change falls in between; reads again after a realtime rejoin. */
  start(): void {
    this.stops.push(this.workspace.onBroadcast((payload) => this.apply(payload)))
    let wasLive = this.workspace.realtime.get().status === 'SUBSCRIBED'
    this.stops.push(
      this.workspace.realtime.subscribe(({ status }) => {
        if (status === 'SUBSCRIBED' && !wasLive) this.reloadSoon(0)
        wasLive = status === 'SUBSCRIBED'
      }),
    )
    void this.reload()
  }

  dispose(): void {
    this.disposed = true
    for (const stop of this.stops.splice(0)) stop()
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer)
  }

  async reload(): Promise<void> {
    try {
      const documents = await this.api.list(this.storeId)
      if (this.disposed) return
      this.state.update((s) => ({
        ...s,
        documents: sortNewestFirst(documents.map((d) => latest(d, s.documents?.find((k) => k.id === d.id)))),
        error: null,
      }))
    } catch (error) {
      if (!this.disposed) this.state.update((s) => ({ ...s, error: `The documents could not be loaded: ${errorText(error)}` }))
    }
  }

  /** A knowledge_documents broadcast: the row's new status shows at once; the full entry (preview,
   * passages) is read again a moment later, since the row alone does not carry them all. */
  apply(payload: unknown): void {
    if (!isRecord(payload) || payload['table'] !== 'knowledge_documents') return
    if (payload['operation'] === 'DELETE') {
      const old = payload['old_record']
      if (isRecord(old) && typeof old['id'] === 'string') this.forget(old['id'])
      return
    }
    const record = payload['record']
    if (!isRecord(record) || record['store_id'] !== this.storeId || !isDocument(record)) return
    this.state.update((s) => {
      const documents = s.documents ?? []
      const known = documents.find((d) => d.id === record.id)
      const merged = known ? { ...known, ...pickKnown(record) } : withDefaults(record)
      return { ...s, documents: sortNewestFirst([merged, ...documents.filter((d) => d.id !== record.id)]) }
    })
    this.reloadSoon(300)
  }

  /** Sends a file; the new document then appears as processing and moves on by itself. */
  async upload(file: File, replaces: string | null = null): Promise<boolean> {
    const key = nextUploadKey++
    const tooBig = file.size > MAX_UPLOAD_BYTES
    const upload: Upload = {
      key,
      filename: file.name,
      progress: 0,
      replaces,
      error: tooBig
        ? `“${file.name}” is ${formatBytes(file.size)}: documents can be up to ${formatBytes(MAX_UPLOAD_BYTES)}. ` +
          'Split it or compress it, then upload again.'
        : null,
    }
    this.state.update((s) => ({ ...s, uploads: [...s.uploads, upload] }))
    if (tooBig) return false
    try {
      const created = await this.api.upload(
        this.storeId,
        file,
        replaces ? { replaces } : {},
        (progress) => this.changeUpload(key, { progress }),
      )
      // Shown as processing at once; the full entry is read next, and broadcasts move it on.
      this.state.update((s) => ({
        ...s,
        uploads: s.uploads.filter((u) => u.key !== key),
        documents: (s.documents ?? []).some((d) => d.id === created.id)
          ? s.documents
          : sortNewestFirst([
              withDefaults({ ...created, filename: file.name, created_at: new Date().toISOString() }),
              ...(s.documents ?? []),
            ]),
      }))
      await this.refresh(created.id)
      return true
    } catch (error) {
      this.changeUpload(key, { error: errorText(error) })
      return false
    }
  }

  dismissUpload(key: number): void {
    this.state.update((s) => ({ ...s, uploads: s.uploads.filter((u) => u.key !== key) }))
  }

  async remove(id: string): Promise<void> {
    await this.api.remove(this.storeId, id)
    this.forget(id)
  }

  async ask(question: string): Promise<void> {
    const asked = question.trim()
    if (asked === '') return
    this.search.set({ question: asked, passages: null, busy: true, error: null })
    try {
      const passages = await this.api.search(this.storeId, asked)
      if (!this.disposed) this.search.set({ question: asked, passages, busy: false, error: null })
    } catch (error) {
      if (!this.disposed) this.search.set({ question: asked, passages: null, busy: false, error: errorText(error) })
    }
  }

  private async refresh(id: string): Promise<void> {
    try {
      const document = await this.api.get(this.storeId, id)
      if (this.disposed) return
      this.state.update((s) => {
        const known = s.documents?.find((d) => d.id === id)
        return {
          ...s,
          documents: sortNewestFirst([latest(document, known), ...(s.documents ?? []).filter((d) => d.id !== id)]),
        }
      })
    } catch {
      this.reloadSoon(0)
    }
  }

  private forget(id: string): void {
    this.state.update((s) => ({ ...s, documents: (s.documents ?? []).filter((d) => d.id !== id) }))
  }

  private changeUpload(key: number, change: Partial<Upload>): void {
    this.state.update((s) => ({ ...s, uploads: s.uploads.map((u) => (u.key === key ? { ...u, ...change } : u)) }))
  }

  private reloadSoon(delayMs: number): void {
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer)
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null
      if (!this.disposed) void this.reload()
    }, delayMs)
  }
}

const FIELDS = [
  'title',
  'filename',
  'content_type',
  'size_bytes',
  'status',
  'error',
  'pages',
  'text_preview',
  'chunk_count',
  'chunks_total',
  'chunks_done',
  'created_at',
  'updated_at',
] as const

/** The fields of the list entry that a table row carries (a row may lack the computed ones). */
function pickKnown(record: Record<string, unknown>): Partial<KnowledgeDocument> {
  return Object.fromEntries(FIELDS.filter((f) => f in record).map((f) => [f, record[f]])) as Partial<KnowledgeDocument>
}

function withDefaults(record: Pick<KnowledgeDocument, 'id' | 'status' | 'created_at'> & Partial<KnowledgeDocument>): KnowledgeDocument {
  return {
    title: '',
    filename: '',
    content_type: null,
    size_bytes: null,
    error: null,
    pages: null,
    text_preview: null,
    chunk_count: null,
    chunks_total: null,
    chunks_done: null,
    updated_at: null,
    ...pickKnown(record as unknown as Record<string, unknown>),
    id: record.id,
    status: record.status,
    created_at: record.created_at,
  }
}

/** A read that left the server before a broadcast arrived must not undo what the broadcast said. */
function latest(read: KnowledgeDocument, known: KnowledgeDocument | undefined): KnowledgeDocument {
  if (!known?.updated_at || !read.updated_at || Date.parse(read.updated_at) >= Date.parse(known.updated_at)) return read
  return { ...read, ...pickKnown(known as unknown as Record<string, unknown>) }
}

function sortNewestFirst(documents: KnowledgeDocument[]): KnowledgeDocument[] {
  return [...documents].sort((a, b) => b.created_at.localeCompare(a.created_at))
}

/** How far a processing document is, 0-100 (whole percent, rounded down so 100 means ready), or null
 * before it is read (its passage count is not known yet). */
export function progressPercent(doc: Pick<KnowledgeDocument, 'status' | 'chunks_total' | 'chunks_done'>): number | null {
  if (doc.status !== 'processing' || !doc.chunks_total) return null
  return Math.min(99, Math.floor((100 * (doc.chunks_done ?? 0)) / doc.chunks_total))
}
