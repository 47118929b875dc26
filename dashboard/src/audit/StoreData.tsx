import { useEffect, useState } from 'preact/hooks'
import { formatDateTime } from '../format'
import type { Workspace } from '../models/workspace'
import { errorText } from '../toasts'

interface Backup {
  id: string
  status: 'working' | 'ready' | 'failed'
  created_at: string
  error: string | null
  url: string | null
  size_bytes: number | null
}

const POLL_MS = 2000

/** The whole store as one archive (customers, conversations, orders, products, tickets, knowledge, settings):
 * written in the background; a download link that works for a few minutes once it is ready. */
export function StoreData({ workspace }: { workspace: Workspace }) {
  const [backup, setBackup] = useState<Backup | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (!backup || backup.status !== 'working') return
    const timer = setTimeout(() => {
      workspace.api
        .request('GET', workspace.storeId, `backups/${backup.id}`)
        .then((body) => setBackup(body as Backup))
        .catch((e: unknown) => setError(errorText(e)))
    }, POLL_MS)
    return () => clearTimeout(timer)
  }, [workspace, backup])

  const start = async () => {
    setError(null)
    try {
      setBackup((await workspace.api.request('POST', workspace.storeId, 'backups', {})) as Backup)
    } catch (e) {
      setError(errorText(e))
    }
  }

  return (
    <section class="audit__data" data-testid="store-data">
      <h2>Your data</h2>
      <p class="muted">
        Download the whole store — customers, conversations, messages, orders, products, tickets, notes, knowledge
        documents and settings — as one archive of CSV and JSON files with a manifest. Another Sapa restores it with{' '}
        <code>sapa store import</code>.
      </p>
      <div>
        <button
          type="button"
          class="button"
          data-testid="backup-start"
          disabled={backup?.status === 'working'}
          onClick={() => void start()}
        >
          {backup?.status === 'working' ? 'Preparing the archive…' : 'Download the whole store'}
        </button>
      </div>
      {backup?.status === 'ready' && backup.url && (
        <p data-testid="backup-ready">
          Ready ({formatDateTime(backup.created_at)}): <a href={backup.url}>download the archive</a> — the link works for 15
          minutes.
        </p>
      )}
      {backup?.status === 'failed' && (
        <p class="alert" role="alert" data-testid="backup-failed">
          The archive could not be written: {backup.error}
        </p>
      )}
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}
