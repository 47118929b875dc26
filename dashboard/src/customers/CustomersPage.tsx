import { useEffect, useState } from 'preact/hooks'
import { download } from '../kpi/csv'
import { formatDate, formatMoney } from '../format'
import type { Workspace } from '../models/workspace'
import { customerHref } from '../routes'
import { errorText, notify } from '../toasts'
import {
  DEFAULT_QUERY,
  exportCustomersCsv,
  fetchCustomers,
  fetchStoreLabels,
  importCsv,
  PAGE_SIZE,
  type Consent,
  type CustomerPage,
  type ImportReport,
  type ListQuery,
  type SortKey,
} from './data'
import './customers.css'

export const CONSENT_LABELS: Record<Consent, string> = {
  opted_in: 'Opted in',
  opted_out: 'Opted out',
  none: 'No consent',
}

const COLUMNS: { key: SortKey | null; label: string }[] = [
  { key: 'name', label: 'Customer' },
  { key: null, label: 'WhatsApp' },
  { key: 'orders', label: 'Orders' },
  { key: 'total_spent', label: 'Total spent' },
  { key: 'last_order_at', label: 'Last order' },
  { key: 'last_message_at', label: 'Last message' },
  { key: null, label: 'Marketing' },
  { key: null, label: 'Labels' },
]

/** #/customers: the store's customers, searched, filtered, sorted and paged in SQL. */
export function CustomersPage({ workspace }: { workspace: Workspace }) {
  const [query, setQuery] = useState<ListQuery>(DEFAULT_QUERY)
  const [search, setSearch] = useState('')
  const [page, setPage] = useState<CustomerPage | null>(null)
  const [labels, setLabels] = useState<string[]>([])
  const [error, setError] = useState<string | null>(null)
  const [exporting, setExporting] = useState(false)
  const canImport = workspace.membership.role !== 'agent'

  useEffect(() => {
    const timer = setTimeout(() => setQuery((q) => (q.search === search ? q : { ...q, search, page: 0 })), 250)
    return () => clearTimeout(timer)
  }, [search])

  const load = () => {
    let current = true
    fetchCustomers(workspace.client, workspace.storeId, query)
      .then((read) => current && (setPage(read), setError(null)))
      .catch((e: unknown) => current && setError(errorText(e)))
    return () => {
      current = false
    }
  }
  useEffect(load, [workspace, query])
  useEffect(() => {
    fetchStoreLabels(workspace.client, workspace.storeId).then(setLabels, () => setLabels([]))
  }, [workspace])

  const sortBy = (key: SortKey) =>
    setQuery((q) => ({ ...q, sort: key, descending: q.sort === key ? !q.descending : key !== 'name', page: 0 }))
  const pages = page ? Math.max(1, Math.ceil(page.total / PAGE_SIZE)) : 1

  const exportCsv = async () => {
    setExporting(true)
    try {
      const csv = await exportCustomersCsv(workspace.client, workspace.storeId, query)
      download(`customers-${new Date().toISOString().slice(0, 10)}.csv`, csv)
    } catch (e) {
      notify('error', errorText(e))
    } finally {
      setExporting(false)
    }
  }

  return (
    <main class="customers" data-testid="customers-page">
      <header class="customers__header">
        <h1>Customers</h1>
        <span class="muted" data-testid="customers-count">
          {page ? `${page.total} customer${page.total === 1 ? '' : 's'}` : 'Loading…'}
        </span>
        <span class="topbar__spacer" />
        <button type="button" class="button" data-testid="customers-export" disabled={exporting} onClick={() => void exportCsv()}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </header>
      <div class="customers__filters" role="search">
        <label>
          <span class="visually-hidden">Search customers</span>
          <input
            type="search"
            data-testid="customers-search"
            placeholder="Search name, phone or email"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          <span class="visually-hidden">Label</span>
          <select
            data-testid="customers-label-filter"
            value={query.label}
            onChange={(e) => setQuery((q) => ({ ...q, label: (e.target as HTMLSelectElement).value, page: 0 }))}
          >
            <option value="">Any label</option>
            {labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span class="visually-hidden">Marketing consent</span>
          <select
            data-testid="customers-consent-filter"
            value={query.consent}
            onChange={(e) =>
              setQuery((q) => ({ ...q, consent: (e.target as HTMLSelectElement).value as Consent | '', page: 0 }))
            }
          >
            <option value="">Any consent</option>
            {(Object.keys(CONSENT_LABELS) as Consent[]).map((c) => (
              <option key={c} value={c}>
                {CONSENT_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p class="alert" role="alert" data-testid="customers-error">
          {error}
        </p>
      )}
      <div class="customers__table-wrap">
        <table class="customers__table" data-testid="customers-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.label}
                  scope="col"
                  aria-sort={c.key && query.sort === c.key ? (query.descending ? 'descending' : 'ascending') : undefined}
                >
                  {c.key ? (
                    <button type="button" class="customers__sort" onClick={() => sortBy(c.key as SortKey)}>
                      {c.label}
                      {query.sort === c.key ? (query.descending ? ' ↓' : ' ↑') : ''}
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(page?.rows ?? []).map((c) => (
              <tr key={c.id} data-testid="customer-row" data-customer-id={c.id}>
                <td>
                  <a href={customerHref(c.id)} data-testid="customer-link">
                    {c.name || c.phone || c.email || 'Unnamed customer'}
                  </a>
                  {c.email && <div class="muted customers__sub">{c.email}</div>}
                </td>
                <td class="customers__phone">{c.phone ?? '—'}</td>
                <td class="num" data-testid="customer-orders">{c.orders}</td>
                <td class="num" data-testid="customer-spent">{formatMoney(c.total_spent, workspace.currency)}</td>
                <td>{c.last_order_at ? formatDate(c.last_order_at) : '—'}</td>
                <td>{c.last_message_at ? formatDate(c.last_message_at) : '—'}</td>
                <td>
                  <span class={`consent consent--${c.consent}`}>{CONSENT_LABELS[c.consent]}</span>
                </td>
                <td>
                  {c.labels.map((l) => (
                    <span key={l} class="chip">
                      {l}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page && page.rows.length === 0 && <p class="muted customers__empty">No customer matches.</p>}
      </div>
      <nav class="customers__pager" aria-label="Pages of customers">
        <button
          type="button"
          class="button button--ghost"
          disabled={query.page === 0}
          onClick={() => setQuery((q) => ({ ...q, page: q.page - 1 }))}
        >
          Previous
        </button>
        <span data-testid="customers-page-number">
          Page {query.page + 1} of {pages}
        </span>
        <button
          type="button"
          class="button button--ghost"
          disabled={query.page + 1 >= pages}
          onClick={() => setQuery((q) => ({ ...q, page: q.page + 1 }))}
        >
          Next
        </button>
      </nav>
      {canImport && <ImportSection workspace={workspace} onImported={() => setQuery((q) => ({ ...q }))} />}
    </main>
  )
}

function ImportSection({ workspace, onImported }: { workspace: Workspace; onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null)
  const [report, setReport] = useState<ImportReport | null>(null)
  const [busy, setBusy] = useState(false)

  const run = async (dryRun: boolean) => {
    if (!file) return
    setBusy(true)
    try {
      const result = await importCsv(workspace.api, workspace.storeId, file, dryRun)
      setReport(result)
      if (!dryRun) {
        notify('success', `Imported: ${result.created ?? 0} new, ${result.updated ?? 0} merged with existing customers`)
        onImported()
      }
    } catch (e) {
      notify('error', errorText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="customers__import" aria-labelledby="import-heading" data-testid="customers-import">
      <h2 id="import-heading">Import contacts from CSV</h2>
      <p class="muted">
        A header row with <code>phone</code> (required), <code>name</code>, <code>email</code>,{' '}
        <code>marketing_opt_in</code> (yes/no) and <code>labels</code> (separated by <code>;</code>). Local numbers take the
        store’s country code; rows with the same number are merged into one customer, and existing customers keep what
        they have. Check the file first: nothing is stored until you import.
      </p>
      <div class="crm__form">
        <input
          type="file"
          accept=".csv,text/csv"
          data-testid="customers-import-file"
          onChange={(e) => {
            setFile((e.target as HTMLInputElement).files?.[0] ?? null)
            setReport(null)
          }}
        />
        <button type="button" class="button button--ghost" disabled={!file || busy} onClick={() => void run(true)}>
          Check file
        </button>
        <button type="button" class="button" disabled={!file || busy} onClick={() => void run(false)}>
          Import
        </button>
      </div>
      {report && (
        <div data-testid="customers-import-report">
          <p>
            {report.dry_run ? 'Would import' : 'Imported'} {report.accepted} customer{report.accepted === 1 ? '' : 's'}
            {report.created !== null && ` (${report.created} new, ${report.updated} existing)`}; {report.merged} duplicate
            row{report.merged === 1 ? '' : 's'} merged; {report.refused.length} row{report.refused.length === 1 ? '' : 's'}{' '}
            refused.
          </p>
          {report.refused.length > 0 && (
            <ul class="customers__refused">
              {report.refused.map((r) => (
                <li key={r.line}>
                  Line {r.line}
                  {r.phone ? ` (${r.phone})` : ''}: {r.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  )
}
