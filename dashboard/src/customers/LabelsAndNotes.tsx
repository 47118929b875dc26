import type { SupabaseClient } from '@supabase/supabase-js'
import { useEffect, useState } from 'preact/hooks'
import { memberLabel } from '../components/members'
import { formatDateTime } from '../format'
import { errorText, notify } from '../toasts'
import type { TeamMember } from '../types'
import { addLabel, addNote, fetchLabelsAndNotes, removeLabel, type CustomerNote } from './data'
import './customers.css'

interface Props {
  client: SupabaseClient
  storeId: string
  customerId: string
  userId: string
  team: readonly TeamMember[]
  /** Told after a change, so a page showing the same customer elsewhere can read again. */
  onChange?: () => void
}

/** A customer's labels and private notes, which every member of the store can add (profile and inbox). */
export function LabelsAndNotes({ client, storeId, customerId, userId, team, onChange }: Props) {
  const [labels, setLabels] = useState<string[] | null>(null)
  const [notes, setNotes] = useState<CustomerNote[]>([])
  const [error, setError] = useState<string | null>(null)
  const [label, setLabel] = useState('')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)

  const load = async () => {
    try {
      const read = await fetchLabelsAndNotes(client, customerId)
      setLabels(read.labels)
      setNotes(read.notes)
      setError(null)
    } catch (e) {
      setError(errorText(e))
    }
  }
  useEffect(() => {
    setLabels(null)
    void load()
  }, [customerId])

  const act = async (what: () => Promise<void>, done: string) => {
    setBusy(true)
    try {
      await what()
      await load()
      onChange?.()
      notify('success', done)
      return true
    } catch (e) {
      notify('error', errorText(e))
      return false
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="crm" data-testid="customer-crm">
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <div class="crm__labels" data-testid="customer-labels">
        {(labels ?? []).map((l) => (
          <span key={l} class="chip" data-testid="customer-label">
            {l}
            <button
              type="button"
              class="chip__remove"
              aria-label={`Remove label ${l}`}
              disabled={busy}
              onClick={() => void act(() => removeLabel(client, customerId, l), `Label “${l}” removed`)}
            >
              ×
            </button>
          </span>
        ))}
        {labels !== null && labels.length === 0 && <span class="muted">No labels yet.</span>}
      </div>
      <form
        class="crm__form"
        onSubmit={(e) => {
          e.preventDefault()
          const text = label.trim()
          if (!text) return
          void act(() => addLabel(client, storeId, customerId, text), `Label “${text}” added`).then((ok) => ok && setLabel(''))
        }}
      >
        <label class="visually-hidden" for={`label-${customerId}`}>
          New label
        </label>
        <input
          id={`label-${customerId}`}
          data-testid="customer-label-input"
          placeholder="Add a label (e.g. vip)"
          maxLength={40}
          value={label}
          onInput={(e) => setLabel((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="button" disabled={busy || !label.trim()} data-testid="customer-label-add">
          Add label
        </button>
      </form>
      <form
        class="crm__form crm__form--note"
        onSubmit={(e) => {
          e.preventDefault()
          const text = note.trim()
          if (!text) return
          void act(() => addNote(client, storeId, customerId, text), 'Note saved').then((ok) => ok && setNote(''))
        }}
      >
        <label class="visually-hidden" for={`note-${customerId}`}>
          Private note on this customer
        </label>
        <textarea
          id={`note-${customerId}`}
          data-testid="customer-note-input"
          placeholder="Private note on this customer (only the team sees it)"
          maxLength={4000}
          rows={2}
          value={note}
          onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)}
        />
        <button type="submit" class="button" disabled={busy || !note.trim()} data-testid="customer-note-add">
          Save note
        </button>
      </form>
      <ul class="crm__notes" data-testid="customer-notes">
        {notes.map((n) => (
          <li key={n.id} class="crm__note" data-testid="customer-note">
            <p>{n.body}</p>
            <span class="muted">
              {n.author_id ? memberLabel(n.author_id, userId, team) : 'Someone'} · {formatDateTime(n.created_at)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  )
}
