/** The settings routes of Sapa's API: /api/stores/{store_id}/assistant (settings, versions, revert, try it),
 * /api/stores/{store_id}/settings (the store, its WooCommerce webhooks, its WhatsApp templates) and
 * /api/stores/{store_id}/notifications (order updates and abandoned-checkout recovery). */
import { ApiError, type SapaApi } from '../api'

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Day = (typeof DAYS)[number]
export interface OpeningPeriod {
  open: string
  close: string
}

export interface AssistantSettings {
  name: string
  greeting: string | null
  enabled: boolean
  tone: 'friendly' | 'professional' | 'cheerful' | 'calm'
  formality: 'casual' | 'polite' | 'formal'
  emoji: boolean
  address: 'kak' | 'first_name' | 'kak_first_name' | 'formal' | 'none'
  languages: ('id' | 'en')[]
  timezone: string
  business_hours: Record<Day, OpeningPeriod[]>
  outside_hours: 'answer' | 'away'
  away_message: string | null
  handoff_topics: string[]
  handoff_min_confidence: number
  max_answer_chars: number
  persona_notes: string | null
}

export interface CurrentSettings extends AssistantSettings {
  version: number | null
  updated_at: string | null
  updated_by: string | null
}

export interface SettingsVersion {
  version: number
  settings: AssistantSettings
  created_by: string | null
  created_by_email: string | null
  created_at: string
  reverted_from: number | null
}

export interface TryAnswer {
  parts: string[]
  language: string
  handoff: boolean
  handoff_reason: string | null
  responder: 'llm' | 'offline'
  fallback_reason: string | null
  tool_calls: { name: string; args: Record<string, unknown> }[]
  sources: string[]
  documents: { id: string; title: string }[]
}

export interface WebhookHealth {
  topic: string
  status: 'active' | 'paused' | 'disabled' | 'missing'
  failures: number
  checked_at: string
}

export interface TemplateRow {
  id: string
  name: string
  language: string
  body: string
  content_sid: string
  status: string
  category: string | null
  rejection_reason: string | null
  source: 'manual' | 'twilio'
  synced_at: string | null
}

export interface StoreSettings {
  store_id: string
  name: string
  timezone: string
  currency: string
  /** Months the store keeps its customers' chats; the retention job deletes what is older. */
  retention_months: number
  whatsapp_number: string | null
  whatsapp_mode: string | null
  whatsapp_state: 'not_set' | 'sandbox' | 'live'
  whatsapp_provider: 'twilio' | 'meta'
  woocommerce: {
    site_url: string | null
    connected: boolean
    connected_at: string | null
    sync: { status: string; error: string | null; updated_at: string | null }
    webhooks: WebhookHealth[]
    webhooks_checked_at: string | null
    disabled_webhooks: number
  }
  templates: TemplateRow[]
}

/** GET/PUT /api/stores/{id}/whatsapp-sender: Twilio, or Meta's Cloud API (secrets are never returned). */
export interface WhatsAppSender {
  provider: 'twilio' | 'meta'
  meta: { phone_number_id: string; waba_id: string; has_access_token: boolean; has_app_secret: boolean } | null
}

export interface MetaSenderChange {
  phone_number_id: string
  waba_id: string
  /** Omitted: the stored one is kept (needed the first time). */
  access_token?: string
  app_secret?: string
}

export interface TemplateSync {
  added: number
  updated: number
  removed: number
  unchanged: number
  skipped: string[]
  templates: TemplateRow[]
}

/** The order events a store may send a WhatsApp update for (WooCommerce's order statuses, and "shipped"). */
export const ORDER_EVENTS = ['processing', 'on-hold', 'shipped', 'completed', 'cancelled', 'refunded'] as const
export type OrderEvent = (typeof ORDER_EVENTS)[number]

/** One message the store may send: an approved template and the text of each of its placeholders. */
export interface MessageSetting {
  enabled: boolean
  template_id: string | null
  /** "1", "2" … → text with the order's fields ({{first_name}}, {{order_number|-}} …). */
  variables: Record<string, string>
}

/** GET/PUT /api/stores/{id}/notifications. */
export interface NotificationSettings {
  events: Record<OrderEvent, MessageSetting>
  /** "HH:MM" in the store's time zone; null: messages go out at any hour. */
  quiet_hours: { start: string; end: string } | null
  abandoned_checkout: MessageSetting & { after_minutes: number; second_after_hours: number | null }
}

function record(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(500, `${what}: unexpected answer`)
  return body as Record<string, unknown>
}

export class SettingsApi {
  constructor(private readonly api: SapaApi) {}

  /** Where the functions API answers (webhook URLs are under it). */
  get functionsUrl(): string {
    return this.api.functionsUrl
  }

  async assistant(storeId: string): Promise<CurrentSettings> {
    return record(await this.api.request('GET', storeId, 'assistant'), 'The settings') as unknown as CurrentSettings
  }

  async saveAssistant(storeId: string, settings: AssistantSettings): Promise<CurrentSettings> {
    return record(await this.api.request('PUT', storeId, 'assistant', settings), 'The settings') as unknown as CurrentSettings
  }

  async versions(storeId: string): Promise<SettingsVersion[]> {
    const body = await this.api.request('GET', storeId, 'assistant/versions')
    if (!Array.isArray(body)) throw new ApiError(500, 'The versions: unexpected answer')
    return body as SettingsVersion[]
  }

  async revert(storeId: string, version: number): Promise<CurrentSettings> {
    const body = await this.api.request('POST', storeId, `assistant/versions/${version}/revert`)
    return record(body, 'The settings') as unknown as CurrentSettings
  }

  async tryIt(storeId: string, question: string, draft: AssistantSettings): Promise<TryAnswer> {
    const body = await this.api.request('POST', storeId, 'assistant/try', { question, settings: draft })
    return record(body, 'The answer') as unknown as TryAnswer
  }

  async store(storeId: string): Promise<StoreSettings> {
    return record(await this.api.request('GET', storeId, 'settings'), 'The store') as unknown as StoreSettings
  }

  async saveStore(storeId: string, changes: Partial<Pick<StoreSettings, 'name' | 'timezone' | 'currency' | 'retention_months'>>): Promise<StoreSettings> {
    return record(await this.api.request('PATCH', storeId, 'settings', changes), 'The store') as unknown as StoreSettings
  }

  async reenableWebhooks(storeId: string): Promise<StoreSettings> {
    const body = await this.api.request('POST', storeId, 'settings/webhooks/reenable')
    return record(body, 'The store') as unknown as StoreSettings
  }

  async syncTemplates(storeId: string): Promise<TemplateSync> {
    return record(await this.api.request('POST', storeId, 'templates/sync'), 'The sync') as unknown as TemplateSync
  }

  async sender(storeId: string): Promise<WhatsAppSender> {
    return record(await this.api.request('GET', storeId, 'whatsapp-sender'), 'The sender') as unknown as WhatsAppSender
  }

  async saveSender(storeId: string, provider: 'twilio' | 'meta', meta?: MetaSenderChange): Promise<WhatsAppSender> {
    const body = provider === 'meta' ? { provider, meta } : { provider }
    return record(await this.api.request('PUT', storeId, 'whatsapp-sender', body), 'The sender') as unknown as WhatsAppSender
  }

  async notifications(storeId: string): Promise<NotificationSettings> {
    const body = await this.api.request('GET', storeId, 'notifications')
    return record(body, 'The notification settings') as unknown as NotificationSettings
  }

  async saveNotifications(storeId: string, settings: NotificationSettings): Promise<NotificationSettings> {
    const body = await this.api.request('PUT', storeId, 'notifications', settings)
    return record(body, 'The notification settings') as unknown as NotificationSettings
  }

  /** The WABA's templates from Meta into the store's templates: how many were stored or updated. */
  async syncMetaTemplates(storeId: string): Promise<number> {
    const body = record(await this.api.request('POST', storeId, 'whatsapp-sender/templates/sync'), 'The sync')
    return Number(body.synced)
  }
}

/** The settings the form edits, without what GET adds beside them. */
export function editable(current: CurrentSettings): AssistantSettings {
  const { version: _version, updated_at: _at, updated_by: _by, ...settings } = current
  return settings
}
