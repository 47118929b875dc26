import { useEffect, useState } from 'preact/hooks'
import { errorText, notify } from '../toasts'
import type { SettingsApi, StoreSettings, WhatsAppSender } from './api'

const STATES: Record<StoreSettings['whatsapp_state'], string> = {
  not_set: 'No WhatsApp sender yet',
  sandbox: 'Sandbox: replies are stored and shown in the simulator, not sent (no Twilio account)',
  live: 'Live',
}

const EMPTY_META = { phone_number_id: '', waba_id: '', access_token: '', app_secret: '' }

/** The store's WhatsApp sender: Twilio (the store's account, or the sandbox) or Meta's WhatsApp Cloud API
 * with its phone number id, WABA id, access token and app secret (write-only: a stored secret is never
 * shown; left empty, it is kept). `onChanged` reloads the store settings (state, templates). */
export function WhatsAppSenderForm({ api, store, onChanged }: { api: SettingsApi; store: StoreSettings; onChanged: () => Promise<void> }) {
  const storeId = store.store_id
  const [sender, setSender] = useState<WhatsAppSender | null>(null)
  const [provider, setProvider] = useState<'twilio' | 'meta'>(store.whatsapp_provider)
  const [meta, setMeta] = useState(EMPTY_META)
  const [busy, setBusy] = useState(false)

  const show = (loaded: WhatsAppSender) => {
    setSender(loaded)
    setProvider(loaded.provider)
    setMeta({ ...EMPTY_META, phone_number_id: loaded.meta?.phone_number_id ?? '', waba_id: loaded.meta?.waba_id ?? '' })
  }
  useEffect(() => {
    api.sender(storeId).then(show, (e: unknown) => notify('error', errorText(e)))
  }, [storeId])

  const save = async () => {
    setBusy(true)
    try {
      const saved =
        provider === 'meta'
          ? await api.saveSender(storeId, 'meta', {
              phone_number_id: meta.phone_number_id.trim(),
              waba_id: meta.waba_id.trim(),
              ...(meta.access_token ? { access_token: meta.access_token } : {}),
              ...(meta.app_secret ? { app_secret: meta.app_secret } : {}),
            })
          : await api.saveSender(storeId, 'twilio')
      show(saved)
      await onChanged()
      notify('success', saved.provider === 'meta' ? 'The store now sends through Meta’s Cloud API' : 'The store now sends through Twilio')
    } catch (e) {
      notify('error', errorText(e))
    } finally {
      setBusy(false)
    }
  }

  const live = store.whatsapp_state === 'live'
  const how = store.whatsapp_provider === 'meta' ? 'sent through Meta’s WhatsApp Cloud API' : 'sent through the store’s Twilio account'
  const set = (field: keyof typeof EMPTY_META) => (e: Event) => setMeta({ ...meta, [field]: (e.target as HTMLInputElement).value })
  const stored = (has: boolean | undefined) => (has ? 'stored: leave empty to keep it' : 'required')

  return (
    <form
      class="settings__form"
      data-testid="whatsapp-sender"
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <fieldset disabled={busy || sender === null}>
        <legend>WhatsApp sender</legend>
        <p data-testid="whatsapp-state">
          {store.whatsapp_number ?? '—'} · {STATES[store.whatsapp_state]}
          {live ? `: ${how}` : ''}
        </p>
        <div class="field-row" role="radiogroup" aria-label="Provider">
          <label class="field field--check">
            <input type="radio" name="provider" value="twilio" checked={provider === 'twilio'} onChange={() => setProvider('twilio')} /> Twilio
          </label>
          <label class="field field--check">
            <input type="radio" name="provider" value="meta" checked={provider === 'meta'} onChange={() => setProvider('meta')} /> Meta WhatsApp Cloud API
          </label>
        </div>
        {provider === 'meta' && (
          <>
            <div class="field-row">
              <label class="field">
                <span>Phone number ID</span>
                <input data-testid="meta-phone-number-id" inputMode="numeric" pattern="[0-9]{1,30}" required value={meta.phone_number_id} onInput={set('phone_number_id')} />
              </label>
              <label class="field">
                <span>WhatsApp Business Account ID</span>
                <input data-testid="meta-waba-id" inputMode="numeric" pattern="[0-9]{1,30}" required value={meta.waba_id} onInput={set('waba_id')} />
              </label>
            </div>
            <label class="field">
              <span>Access token (system user)</span>
              <input
                data-testid="meta-access-token"
                type="password"
                autoComplete="off"
                placeholder={stored(sender?.meta?.has_access_token)}
                required={!sender?.meta?.has_access_token}
                value={meta.access_token}
                onInput={set('access_token')}
              />
            </label>
            <label class="field">
              <span>App secret</span>
              <input
                data-testid="meta-app-secret"
                type="password"
                autoComplete="off"
                placeholder={stored(sender?.meta?.has_app_secret)}
                required={!sender?.meta?.has_app_secret}
                value={meta.app_secret}
                onInput={set('app_secret')}
              />
            </label>
            <p class="muted">
              In the Meta app’s WhatsApp configuration, set the callback URL to{' '}
              <code data-testid="meta-callback-url">{`${api.functionsUrl}/webhooks/whatsapp-cloud`}</code> with the verify token
              this Sapa server was deployed with, and subscribe to <code>messages</code>.
            </p>
          </>
        )}
        <button type="submit" class="button button--primary" data-testid="save-sender">
          Save sender
        </button>
      </fieldset>
    </form>
  )
}
