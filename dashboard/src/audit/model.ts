/** The audit trail as the audit page reads it: audit_log under RLS (owners and admins of the store read
 * it; nobody changes it), newest first, filtered by person, action and date range, a page at a time. */
import type { SupabaseClient } from '@supabase/supabase-js'

export const AUDIT_PAGE_SIZE = 50

/** Actions the functions and the database record (the filter also offers any other the page has seen). */
export const KNOWN_ACTIONS = [
  'conversation.taken_over',
  'conversation.handed_back',
  'conversation.resolved',
  'conversation.assigned',
  'conversation.agent_replied',
  'conversation.note_added',
  'ticket.opened',
  'ticket.updated',
  'member.added',
  'member.role_changed',
  'member.removed',
  'customer.exported',
  'customer.erased',
  'store.backup_requested',
  'store.connected',
  'store.reconnected',
  'store.disconnected',
  'store.whatsapp_changed',
] as const

export interface AuditEntry {
  id: number
  actor_id: string | null
  action: string
  target_table: string | null
  target_id: string | null
  details: Record<string, unknown>
  created_at: string
}

export interface AuditFilters {
  actorId: string
  action: string
  /** yyyy-mm-dd, inclusive, in the browser's time zone; '' for no bound. */
  from: string
  to: string
}

export const NO_FILTERS: AuditFilters = { actorId: '', action: '', from: '', to: '' }

export interface AuditPage {
  entries: AuditEntry[]
  total: number
}

/** The start of a day in the browser's time zone, as an ISO instant. */
export function dayStart(day: string): string {
  return new Date(`${day}T00:00:00`).toISOString()
}

/** The start of the day after, so `to` includes the whole day. */
export function dayAfter(day: string): string {
  const next = new Date(`${day}T00:00:00`)
  next.setDate(next.getDate() + 1)
  return next.toISOString()
}

export async function loadAudit(
  client: SupabaseClient,
  storeId: string,
  filters: AuditFilters,
  page: number,
): Promise<AuditPage> {
  let query = client
    .from('audit_log')
    .select('id, actor_id, action, target_table, target_id, details, created_at', { count: 'exact' })
    .eq('store_id', storeId)
  if (filters.actorId === 'system') query = query.is('actor_id', null)
  else if (filters.actorId) query = query.eq('actor_id', filters.actorId)
  if (filters.action) query = query.eq('action', filters.action)
  if (filters.from) query = query.gte('created_at', dayStart(filters.from))
  if (filters.to) query = query.lt('created_at', dayAfter(filters.to))
  const from = page * AUDIT_PAGE_SIZE
  const { data, error, count } = await query
    .order('created_at', { ascending: false })
    .order('id', { ascending: false })
    .range(from, from + AUDIT_PAGE_SIZE - 1)
  if (error) throw new Error(error.message)
  return { entries: (data ?? []) as AuditEntry[], total: count ?? 0 }
}

/** Details as one line: "old_role: agent · new_role: admin". */
export function detailText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(' · ')
}
