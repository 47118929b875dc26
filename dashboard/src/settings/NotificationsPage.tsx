import { useEffect, useMemo, useState } from 'preact/hooks'
import { renderTemplate, templateVariables } from '../components/Composer'
import type { Workspace } from '../models/workspace'
import { useStore } from '../store'
import { errorText, notify } from '../toasts'
import type { Template } from '../types'
import { ORDER_EVENTS, SettingsApi, type MessageSetting, type NotificationSettings, type OrderEvent } from './api'
import './settings.css'

const EVENT_LABELS: Record<OrderEvent, string> = {
  processing: 'Order received',
  'on-hold': 'Awaiting payment',
  shipped: 'Shipped (tracking number added)',
  completed: 'Completed',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
}

/** The order's fields a placeholder's text may use, as the sender fills them in. */
const FIELDS: [string, string][] = [
  ['first_name', 'the customer’s first name'],
  ['name', 'the customer’s full name'],
  ['order_number', 'the order number'],
  ['total', 'the order total with its currency'],
  ['items', 'what was ordered'],
  ['tracking_number', 'the shipment’s tracking number'],
  ['tracking_url', 'the link to follow the shipment'],
  ['pay_url', 'the link to pay the order'],
  ['store_name', 'the store’s name'],
]

/** What a new template's placeholders get, in order: what each message is most likely to say. */
const DEFAULT_FIELDS: Record<OrderEvent | 'abandoned_checkout', string[]> = {
  processing: ['first_name', 'order_number', 'total', 'items'],
  'on-hold': ['first_name', 'order_number', 'total', 'pay_url'],
  shipped: ['first_name', 'order_number', 'tracking_number', 'tracking_url'],
  completed: ['first_name', 'order_number', 'store_name'],
  cancelled: ['first_name', 'order_number', 'store_name'],
  refunded: ['first_name', 'order_number', 'total'],
  abandoned_checkout: ['first_name', 'items', 'pay_url', 'total'],
}

const DEFAULT_QUIET_HOURS = { start: '21:00', end: '08:00' }
const DEFAULT_SECOND_AFTER_HOURS = 24

/** #/settings/notifications (owners and admins): which order updates the store sends on WhatsApp and with
 * which approved template, the quiet hours that hold them, and the abandoned-checkout recovery message. The
 * API checks the whole form (templates, placeholders, fields, times) and says what is wrong beside it. */
export function NotificationsPage({ workspace }: { workspace: Workspace }) {
  const api = useMemo(() => new SettingsApi(workspace.api), [workspace])
  const storeId = workspace.storeId
  const canEdit = workspace.membership.role !== 'agent'
  const templates = useStore(workspace.templates)
  const [draft, setDraft] = useState<NotificationSettings | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [saveError, setSaveError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)

  useEffect(() => {
    if (!canEdit) return
    void workspace.loadTemplates()
    api.notifications(storeId).then(setDraft, (e: unknown) => setLoadError(errorText(e)))
  }, [storeId])

  if (!canEdit) {
    return (
      <p class="alert alert--page" role="alert" data-testid="notifications-forbidden">
        Order updates are set by the store’s owners and admins.
      </p>
    )
  }
  if (loadError) {
    return (
      <p class="alert alert--page" role="alert">
        {loadError}
      </p>
    )
  }
  if (!draft || templates.list === null) return <p class="muted settings-loading">Loading the order updates…</p>

  const approved = templates.list.filter((t) => t.id !== undefined)
  const save = async () => {
    setSaving(true)
    try {
      setDraft(await api.saveNotifications(storeId, draft))
      setSaveError(null)
      notify('success', 'Order updates saved')
    } catch (e) {
      setSaveError(errorText(e))
    } finally {
      setSaving(false)
    }
  }
  const abandoned = draft.abandoned_checkout
  const quiet = draft.quiet_hours

  return (
    <main class="settings" data-testid="notifications-page" aria-labelledby="notifications-heading">
      <header class="settings__head">
        <h1 id="notifications-heading">Order updates</h1>
        <p class="muted">
          WhatsApp messages the store sends on its own when an order changes, and to win back a checkout that was not paid.
          Only customers who agreed to WhatsApp messages at checkout or wrote to the store receive them; each is sent once
          per order.
        </p>
      </header>
      <div class="settings__grid">
        <form
          class="settings__form"
          onSubmit={(e) => {
            e.preventDefault()
            void save()
          }}
        >
          <fieldset disabled={saving}>
            <legend>Order updates</legend>
            {ORDER_EVENTS.map((event) => (
              <MessageEditor
                key={event}
                id={`event-${event}`}
                label={EVENT_LABELS[event]}
                setting={draft.events[event]}
                templates={approved}
                defaults={DEFAULT_FIELDS[event]}
                onChange={(setting) => setDraft({ ...draft, events: { ...draft.events, [event]: setting } })}
              />
            ))}
          </fieldset>
          <fieldset disabled={saving}>
            <legend>Quiet hours</legend>
            <label class="field field--check">
              <input
                type="checkbox"
                data-testid="quiet-hours-enabled"
                checked={quiet !== null}
                onChange={(e) => setDraft({ ...draft, quiet_hours: checked(e) ? DEFAULT_QUIET_HOURS : null })}
              />
              <span>Hold messages during quiet hours and send them when they end (the store’s time zone)</span>
            </label>
            {quiet && (
              <div class="field-row">
                <label class="field">
                  <span>From</span>
                  <input type="time" data-testid="quiet-hours-start" value={quiet.start} onInput={(e) => setDraft({ ...draft, quiet_hours: { ...quiet, start: value(e) } })} />
                </label>
                <label class="field">
                  <span>Until</span>
                  <input type="time" data-testid="quiet-hours-end" value={quiet.end} onInput={(e) => setDraft({ ...draft, quiet_hours: { ...quiet, end: value(e) } })} />
                </label>
              </div>
            )}
          </fieldset>
          <fieldset disabled={saving}>
            <legend>Abandoned checkout</legend>
            <MessageEditor
              id="abandoned-checkout"
              label="Remind a customer who left a checkout unpaid, with the link to pay"
              setting={abandoned}
              templates={approved}
              defaults={DEFAULT_FIELDS.abandoned_checkout}
              onChange={(setting) => setDraft({ ...draft, abandoned_checkout: { ...abandoned, ...setting } })}
            />
            <div class="field-row">
              <label class="field">
                <span>Send it after (minutes unpaid)</span>
                <input
                  type="number"
                  min={15}
                  max={10080}
                  step={1}
                  data-testid="abandoned-checkout-after-minutes"
                  value={abandoned.after_minutes}
                  onInput={(e) => setDraft({ ...draft, abandoned_checkout: { ...abandoned, after_minutes: Number(value(e)) } })}
                />
              </label>
              <label class="field field--check">
                <input
                  type="checkbox"
                  data-testid="abandoned-checkout-second"
                  checked={abandoned.second_after_hours !== null}
                  onChange={(e) =>
                    setDraft({ ...draft, abandoned_checkout: { ...abandoned, second_after_hours: checked(e) ? DEFAULT_SECOND_AFTER_HOURS : null } })
                  }
                />
                <span>A second message if still unpaid</span>
              </label>
              {abandoned.second_after_hours !== null && (
                <label class="field">
                  <span>Hours after the first</span>
                  <input
                    type="number"
                    min={1}
                    max={168}
                    step={1}
                    data-testid="abandoned-checkout-second-after-hours"
                    value={abandoned.second_after_hours}
                    onInput={(e) => setDraft({ ...draft, abandoned_checkout: { ...abandoned, second_after_hours: Number(value(e)) } })}
                  />
                </label>
              )}
            </div>
          </fieldset>
          {saveError && (
            <p class="alert" role="alert" data-testid="notifications-error">
              {saveError}
            </p>
          )}
          <div class="settings__actions">
            <button type="submit" class="button button--primary" data-testid="notifications-save" disabled={saving}>
              Save
            </button>
          </div>
        </form>
        <aside class="settings__side">
          <section class="settings__block" data-testid="notification-fields">
            <h2>Fields from the order</h2>
            <p class="muted">
              Write them in a placeholder’s text; a default after a bar is used when the order lacks the field:{' '}
              <code>{'{{first_name|Kak}}'}</code>.
            </p>
            <dl class="notification-fields">
              {FIELDS.map(([field, meaning]) => (
                <div key={field}>
                  <dt>
                    <code>{`{{${field}}}`}</code>
                  </dt>
                  <dd>{meaning}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section class="settings__block">
            <h2>Templates</h2>
            <p class="muted">
              WhatsApp only lets a store start a conversation with an approved template. {templates.error ?? ''}
              {approved.length === 0 && ' This store has no approved template yet: sync them on the Store page.'}
            </p>
          </section>
        </aside>
      </div>
    </main>
  )
}

interface EditorProps {
  id: string
  label: string
  setting: MessageSetting
  templates: Template[]
  defaults: string[]
  onChange: (setting: MessageSetting) => void
}

/** On/off, the template, and a text for each of its placeholders (prefilled with the likely fields). */
function MessageEditor({ id, label, setting, templates, defaults, onChange }: EditorProps) {
  const template = templates.find((t) => t.id === setting.template_id)
  const keys = template ? placeholders(template) : []
  const choose = (templateId: string) => {
    const chosen = templates.find((t) => t.id === templateId)
    const variables = Object.fromEntries(
      (chosen ? placeholders(chosen) : []).map((key, i) => [key, setting.variables[key] || (defaults[i] ? `{{${defaults[i]}}}` : '')]),
    )
    onChange({ ...setting, template_id: templateId || null, variables })
  }
  return (
    <div class="notification" data-testid={id}>
      <label class="field field--check">
        <input type="checkbox" data-testid={`${id}-enabled`} checked={setting.enabled} onChange={(e) => onChange({ ...setting, enabled: checked(e) })} />
        <strong>{label}</strong>
      </label>
      <label class="field">
        <span>Template</span>
        <select data-testid={`${id}-template`} value={setting.template_id ?? ''} onChange={(e) => choose(value(e))}>
          <option value="">Choose…</option>
          {setting.template_id && !template && <option value={setting.template_id}>A template that is no longer approved</option>}
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name} ({t.language})
            </option>
          ))}
        </select>
      </label>
      {template && <p class="muted notification__preview">{renderTemplate(template.body, setting.variables)}</p>}
      {keys.map((key) => (
        <label class="field" key={key}>
          <span>{`{{${key}}}`}</span>
          <input
            data-testid={`${id}-variable-${key}`}
            value={setting.variables[key] ?? ''}
            maxLength={500}
            placeholder="text, or {{first_name}}, {{order_number}} …"
            onInput={(e) => onChange({ ...setting, variables: { ...setting.variables, [key]: value(e) } })}
          />
        </label>
      ))}
    </div>
  )
}

function placeholders(template: Template): string[] {
  return template.variables ?? templateVariables(template.body)
}

function value(e: Event): string {
  return (e.target as HTMLInputElement | HTMLSelectElement).value
}

function checked(e: Event): boolean {
  return (e.target as HTMLInputElement).checked
}
