import { useEffect, useState } from 'preact/hooks'
import { memberLabel } from '../components/members'
import { formatDateTime, humanize } from '../format'
import type { Workspace } from '../models/workspace'
import { useStore } from '../store'
import { errorText } from '../toasts'
import { StoreData } from './StoreData'
import {
  AUDIT_PAGE_SIZE,
  detailText,
  KNOWN_ACTIONS,
  loadAudit,
  NO_FILTERS,
  type AuditFilters,
  type AuditPage as Loaded,
} from './model'
import './privacy.css'

/** Who did what, when, to what: the store's audit trail for its owners, filterable by person, action and
 * date range, a page at a time; and the store's data (a backup of everything) below. */
export function AuditPage({ workspace }: { workspace: Workspace }) {
  const team = useStore(workspace.team)
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS)
  const [page, setPage] = useState(0)
  const [loaded, setLoaded] = useState<Loaded | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    setError(null)
    loadAudit(workspace.client, workspace.storeId, filters, page)
      .then((result) => live && setLoaded(result))
      .catch((e: unknown) => live && setError(errorText(e)))
    return () => {
      live = false
    }
  }, [workspace, filters, page])

  if (workspace.membership.role !== 'owner') {
    return (
      <p class="alert alert--page" role="alert" data-testid="audit-forbidden">
        The audit trail is for the store’s owners.
      </p>
    )
  }

  const change = (patch: Partial<AuditFilters>) => {
    setFilters({ ...filters, ...patch })
    setPage(0)
  }
  const who = (actorId: string | null) => (actorId ? memberLabel(actorId, workspace.userId, team) : 'Sapa (system)')
  const pages = loaded ? Math.max(1, Math.ceil(loaded.total / AUDIT_PAGE_SIZE)) : 1
  const actions = [...new Set<string>([...KNOWN_ACTIONS, ...(loaded?.entries.map((e) => e.action) ?? [])])]

  return (
    <main class="audit" data-testid="audit-page">
      <h2>Audit trail</h2>
      <form class="audit__filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Person
          <select data-testid="audit-person" value={filters.actorId} onChange={(e) => change({ actorId: value(e) })}>
            <option value="">Everyone</option>
            {team.map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {memberLabel(m.user_id, workspace.userId, team)}
              </option>
            ))}
            <option value="system">Sapa (system)</option>
          </select>
        </label>
        <label>
          Action
          <select data-testid="audit-action" value={filters.action} onChange={(e) => change({ action: value(e) })}>
            <option value="">Every action</option>
            {actions.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" data-testid="audit-from" value={filters.from} onChange={(e) => change({ from: value(e) })} />
        </label>
        <label>
          To
          <input type="date" data-testid="audit-to" value={filters.to} onChange={(e) => change({ to: value(e) })} />
        </label>
        <button type="button" class="button button--ghost" onClick={() => change(NO_FILTERS)}>
          Clear
        </button>
      </form>
      {error && (
        <p class="alert" role="alert" data-testid="audit-error">
          {error}
        </p>
      )}
      {loaded && (
        <>
          <p class="muted" data-testid="audit-total">
            {loaded.total} {loaded.total === 1 ? 'entry' : 'entries'}
          </p>
          <table class="audit__table" data-testid="audit-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>To what</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {loaded.entries.map((entry) => (
                <tr key={entry.id} data-testid="audit-row" data-action={entry.action}>
                  <td>{formatDateTime(entry.created_at)}</td>
                  <td>{who(entry.actor_id)}</td>
                  <td>{entry.action}</td>
                  <td>{entry.target_table ? `${humanize(entry.target_table)} ${entry.target_id ?? ''}` : '—'}</td>
                  <td>{detailText(entry.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="audit__pager">
            <button type="button" class="button" data-testid="audit-newer" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Newer
            </button>
            <span data-testid="audit-page-number">
              Page {page + 1} of {pages}
            </span>
            <button
              type="button"
              class="button"
              data-testid="audit-older"
              disabled={page + 1 >= pages}
              onClick={() => setPage(page + 1)}
            >
              Older
            </button>
          </div>
        </>
      )}
      <StoreData workspace={workspace} />
    </main>
  )
}

function value(e: Event): string {
  return (e.target as HTMLInputElement | HTMLSelectElement).value
}
