/** The segments and broadcasts routes of Sapa's API: /api/stores/{store_id}/segments and …/broadcasts. */
import { ApiError, type SapaApi } from '../api'

export type Rules = { all: Rule[] } | { any: Rule[] }
export interface Condition {
  field: string
  op: string
  value: unknown
}
export type Rule = Condition | Rules

export interface Member {
  id: string
  name: string | null
  phone: string | null
}

export interface SegmentPreview {
  count: number
  sample: Member[]
}

export interface Preset {
  key: string
  name: string
  description: string
  rules: Rules
}

export interface BroadcastCounts {
  total: number
  queued: number
  sent: number
  delivered: number
  read: number
  failed: number
  skipped: number
}

export interface BroadcastReport {
  id: string
  name: string
  status: 'draft' | 'scheduled' | 'sending' | 'paused' | 'completed' | 'cancelled'
  send_at: string | null
  created_at: string
  counts: BroadcastCounts
  replies: number
  orders: number
  revenue: number | string
  currency: string
}

export interface BroadcastCreated {
  id: string
  recipients: number
  skipped: number
  skipped_by_reason: Record<string, number>
}

export interface BroadcastPreview extends BroadcastCreated {
  messages: { customer_id: string; name: string | null; phone: string | null; body: string }[]
  skipped_customers: { customer_id: string; name: string | null; phone: string | null; reason: string }[]
}

export interface NewBroadcast {
  name: string
  template_id: string
  segment_id: string | null
  variables: Record<string, string>
  send_at: string | null
}

export const SKIP_REASONS: Record<string, string> = {
  no_consent: 'no marketing consent',
  opted_out: 'opted out',
  no_valid_number: 'no valid WhatsApp number',
  frequency_cap: 'messaged by another broadcast recently',
  cancelled: 'broadcast cancelled',
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new ApiError(500, `${what} has an unexpected shape`)
  return value as Record<string, unknown>
}

export class BroadcastsApi {
  constructor(private readonly api: SapaApi) {}

  async previewSegment(storeId: string, rules: Rules): Promise<SegmentPreview> {
    return record(await this.api.request('POST', storeId, 'segments/preview', { rules, sample: 8 }), 'The preview') as unknown as SegmentPreview
  }

  async presets(storeId: string): Promise<Preset[]> {
    const body = await this.api.request('GET', storeId, 'segments/presets')
    return Array.isArray(body) ? (body as Preset[]) : []
  }

  async saveSegment(storeId: string, name: string, rules: Rules, id: string | null): Promise<{ id: string; count: number }> {
    const body = id
      ? await this.api.request('PUT', storeId, `segments/${id}`, { name, rules })
      : await this.api.request('POST', storeId, 'segments', { name, rules })
    return record(body, 'The segment') as unknown as { id: string; count: number }
  }

  async deleteSegment(storeId: string, id: string): Promise<void> {
    await this.api.request('DELETE', storeId, `segments/${id}`)
  }

  async create(storeId: string, broadcast: NewBroadcast): Promise<BroadcastCreated> {
    return record(await this.api.request('POST', storeId, 'broadcasts', broadcast), 'The broadcast') as unknown as BroadcastCreated
  }

  async report(storeId: string, id: string): Promise<BroadcastReport> {
    return record(await this.api.request('GET', storeId, `broadcasts/${id}`), 'The broadcast') as unknown as BroadcastReport
  }

  async preview(storeId: string, id: string): Promise<BroadcastPreview> {
    return record(await this.api.request('GET', storeId, `broadcasts/${id}/preview`), 'The preview') as unknown as BroadcastPreview
  }

  async change(storeId: string, id: string, action: 'send' | 'pause' | 'cancel'): Promise<string> {
    const body = record(await this.api.request('POST', storeId, `broadcasts/${id}/${action}`), 'The answer')
    return String(body['status'])
  }
}
