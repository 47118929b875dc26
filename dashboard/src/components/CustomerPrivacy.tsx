import { useState } from 'preact/hooks'
import { ApiError } from '../api'
import type { Workspace } from '../models/workspace'
import { errorText, notify } from '../toasts'
import '../audit/privacy.css'

/** The word the owner types before an erase goes ahead. */
export const ERASE_CONFIRMATION = 'ERASE'

interface Props {
  workspace: Workspace
  customerId: string
}

/** GDPR requests for one customer, for the store's owners: export everything (a zip) or erase them. */
export function CustomerPrivacy({ workspace, customerId }: Props) {
  const [busy, setBusy] = useState<'export' | 'erase' | null>(null)
  const [confirming, setConfirming] = useState(false)
  const [typed, setTyped] = useState('')
  const [erased, setErased] = useState<Record<string, number> | null>(null)
  if (workspace.membership.role !== 'owner') return null

  const exportCustomer = async () => {
    setBusy('export')
    try {
      const { url, token } = await workspace.api.authorized(workspace.storeId, `customers/${customerId}/export`)
      const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
      if (!response.ok) throw new ApiError(response.status, await detail(response))
      saveBlob(`sapa-customer-${customerId}.zip`, await response.blob())
      notify('success', 'The customer’s data was exported.')
    } catch (error) {
      notify('error', `Export failed: ${errorText(error)}`)
    } finally {
      setBusy(null)
    }
  }

  const eraseCustomer = async () => {
    setBusy('erase')
    try {
      const body = await workspace.api.request('POST', workspace.storeId, `customers/${customerId}/erase`, {})
      const counts = typeof body === 'object' && body !== null ? (body as { erased?: Record<string, number> }).erased : null
      setErased(counts ?? {})
      setConfirming(false)
      notify('success', 'The customer was erased.')
    } catch (error) {
      notify('error', `Erase failed: ${errorText(error)}`)
    } finally {
      setBusy(null)
    }
  }

  return (
    <div class="privacy" data-testid="customer-privacy">
      <h4 class="privacy__title">Privacy (GDPR)</h4>
      <div class="privacy__actions">
        <button type="button" class="button" data-testid="customer-export" disabled={busy !== null} onClick={exportCustomer}>
          {busy === 'export' ? 'Exporting…' : 'Export data'}
        </button>
        {!confirming && erased === null && (
          <button type="button" class="button button--danger" data-testid="customer-erase" onClick={() => setConfirming(true)}>
            Erase customer…
          </button>
        )}
      </div>
      {confirming && (
        <form
          class="privacy__confirm"
          onSubmit={(e) => {
            e.preventDefault()
            if (typed === ERASE_CONFIRMATION) void eraseCustomer()
          }}
        >
          <p>
            Messages are redacted, attachments deleted, phone, name, e-mail and addresses removed; orders stay for the books
            without personal data. This cannot be undone. Type <strong>{ERASE_CONFIRMATION}</strong> to confirm.
          </p>
          <input
            data-testid="customer-erase-confirmation"
            aria-label={`Type ${ERASE_CONFIRMATION} to confirm`}
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
            autocomplete="off"
          />
          <button
            type="submit"
            class="button button--danger"
            data-testid="customer-erase-confirm"
            disabled={typed !== ERASE_CONFIRMATION || busy !== null}
          >
            {busy === 'erase' ? 'Erasing…' : 'Erase for good'}
          </button>
          <button type="button" class="button button--ghost" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </form>
      )}
      {erased && (
        <p class="privacy__done" data-testid="customer-erased" role="status">
          Erased: {Object.entries(erased)
            .filter(([, rows]) => rows > 0)
            .map(([table, rows]) => `${table.replace(/_/g, ' ')} ${rows}`)
            .join(', ') || 'nothing left to erase'}
        </p>
      )}
    </div>
  )
}

async function detail(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json()
    const said = typeof body === 'object' && body !== null ? (body as { detail?: unknown }).detail : null
    return typeof said === 'string' ? said : `HTTP ${response.status}`
  } catch {
    return `HTTP ${response.status}`
  }
}

/** Saves a downloaded file through the browser's download. */
export function saveBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
