import { useEffect, useMemo, useState } from 'preact/hooks'
import { formatDateTime } from '../format'
import type { Workspace } from '../models/workspace'
import { errorText, notify } from '../toasts'
import { SettingsApi, type StoreSettings } from './api'
import { WhatsAppSenderForm } from './WhatsAppSenderForm'
import './settings.css'

/** #/settings/store (owners): the store's name, time zone and currency, its WhatsApp sender (Twilio or Meta's
 * Cloud API), the WooCommerce connection with the webhooks' health (and re-enabling the ones WooCommerce
 * disabled), and the WhatsApp templates synced from Twilio's Content API or from Meta. */
export function StoreSettingsPage({ workspace }: { workspace: Workspace }) {
  const api = useMemo(() => new SettingsApi(workspace.api), [workspace])
  const storeId = workspace.storeId
  const [store, setStore] = useState<StoreSettings | null>(null)
  const [form, setForm] = useState({ name: '', timezone: '', currency: '', retention_months: 6 })
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState<string | null>(null)

  const show = (loaded: StoreSettings) => {
    setStore(loaded)
    setForm({ name: loaded.name, timezone: loaded.timezone, currency: loaded.currency, retention_months: loaded.retention_months })
  }
  useEffect(() => {
    api.store(storeId).then(show, (e: unknown) => setError(errorText(e)))
  }, [storeId])

  const run = async (what: string, action: () => Promise<string>) => {
    setBusy(what)
    try {
      notify('success', await action())
    } catch (e) {
      notify('error', errorText(e))
    } finally {
      setBusy(null)
    }
  }

  if (workspace.membership.role !== 'owner') {
    return (
      <p class="alert alert--page" role="alert" data-testid="store-settings-forbidden">
        Store settings are for the store’s owners.
      </p>
    )
  }
  if (error) {
    return (
      <p class="alert alert--page" role="alert">
        {error}
      </p>
    )
  }
  if (!store) return <p class="muted settings-loading">Loading the store settings…</p>
  const woo = store.woocommerce

  return (
    <main class="settings" data-testid="store-settings-page" aria-labelledby="store-settings-heading">
      <header class="settings__head">
        <h1 id="store-settings-heading">Store</h1>
        <p class="settings__link">
          <a href="#/settings/notifications" data-testid="notifications-link">
            Order updates and abandoned-checkout messages
          </a>
        </p>
      </header>
      <div class="settings__grid">
        <div>
          <form
            class="settings__form"
            onSubmit={(e) => {
              e.preventDefault()
              void run('save', async () => {
                show(await api.saveStore(storeId, form))
                return 'Store settings saved'
              })
            }}
          >
            <fieldset disabled={busy !== null}>
              <legend>Store</legend>
              <label class="field">
                <span>Name</span>
                <input data-testid="store-name-input" value={form.name} required maxLength={200} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
              </label>
              <div class="field-row">
                <label class="field">
                  <span>Time zone</span>
                  <input value={form.timezone} onInput={(e) => setForm({ ...form, timezone: (e.target as HTMLInputElement).value })} />
                </label>
                <label class="field">
                  <span>Currency</span>
                  <input value={form.currency} maxLength={3} onInput={(e) => setForm({ ...form, currency: (e.target as HTMLInputElement).value.toUpperCase() })} />
                </label>
              </div>
              <label class="field">
                <span>Keep customers’ chats for (months)</span>
                <input
                  type="number"
                  min={1}
                  max={120}
                  step={1}
                  data-testid="store-retention-input"
                  value={form.retention_months}
                  onInput={(e) => setForm({ ...form, retention_months: Number((e.target as HTMLInputElement).value) })}
                />
              </label>
              <button type="submit" class="button button--primary">
                Save
              </button>
            </fieldset>
          </form>
          <WhatsAppSenderForm api={api} store={store} onChanged={async () => show(await api.store(storeId))} />
        </div>
        <aside class="settings__side">
          <section class="settings__block" data-testid="woocommerce-connection">
            <h2>WooCommerce</h2>
            <p>
              {woo.connected ? `Connected: ${woo.site_url ?? ''}` : 'Not connected: install the Sapa plugin in WordPress.'}
            </p>
            <p class="muted">
              Last sync: {woo.sync.status}
              {woo.sync.updated_at ? `, ${formatDateTime(woo.sync.updated_at)}` : ''}
              {woo.sync.error ? ` (${woo.sync.error})` : ''}
            </p>
            <table class="webhooks">
              <tbody>
                {woo.webhooks.map((w) => (
                  <tr key={w.topic} class={`webhook webhook--${w.status}`}>
                    <td>{w.topic}</td>
                    <td>{w.status}</td>
                    <td class="muted">{w.failures ? `re-enabled ${w.failures}×` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {woo.webhooks_checked_at && <p class="muted">Checked {formatDateTime(woo.webhooks_checked_at)}</p>}
            {woo.connected && (
              <button
                type="button"
                class="button"
                data-testid="reenable-webhooks"
                disabled={busy !== null}
                onClick={() =>
                  void run('webhooks', async () => {
                    show(await api.reenableWebhooks(storeId))
                    return 'Webhooks checked; disabled ones re-enabled'
                  })
                }
              >
                {woo.disabled_webhooks > 0 ? `Re-enable ${woo.disabled_webhooks} disabled webhook(s)` : 'Check webhooks now'}
              </button>
            )}
          </section>
          <section class="settings__block" data-testid="whatsapp-templates">
            <h2>WhatsApp templates</h2>
            <button
              type="button"
              class="button"
              data-testid="sync-templates"
              disabled={busy !== null}
              onClick={() =>
                void run('templates', async () => {
                  if (store.whatsapp_provider === 'meta') {
                    const synced = await api.syncMetaTemplates(storeId)
                    show(await api.store(storeId))
                    return `Synced from Meta: ${synced} template(s)`
                  }
                  const result = await api.syncTemplates(storeId)
                  setStore({ ...store, templates: result.templates })
                  return `Synced from Twilio: ${result.added} new, ${result.updated} changed, ${result.removed} removed`
                })
              }
            >
              {store.whatsapp_provider === 'meta' ? 'Sync from Meta' : 'Sync from Twilio'}
            </button>
            {store.templates.length === 0 && <p class="muted">No templates yet.</p>}
            <ul class="templates">
              {store.templates.map((t) => (
                <li key={t.id}>
                  <strong>{t.name}</strong> ({t.language}) · <span class={`template-status template-status--${t.status}`}>{t.status}</span>
                  {t.rejection_reason ? ` · ${t.rejection_reason}` : ''}
                  <p class="muted">{t.body}</p>
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </div>
    </main>
  )
}
