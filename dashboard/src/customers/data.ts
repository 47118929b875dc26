/** The Customers page's reads and writes through PostgREST: the list (view customer_directory: each
 * customer's figures as stored, members only; its search: SQL function customer_search), a customer's profile, labels and notes (under RLS); the CSV
 * import goes through Sapa's API. */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { SapaApi } from '../api'
import { toCsv, type Cell } from '../kpi/csv'
import type { Order } from '../types'

export type Consent = 'opted_in' | 'opted_out' | 'none'

export interface CustomerOverview {
  id: string
  store_id: string
  name: string | null
  phone: string | null
  email: string | null
  marketing_opt_in: boolean
  marketing_opt_in_at: string | null
  opted_out_at: string | null
  consent: Consent
  orders: number
  paid_orders: number
  total_spent: number | string
  average_order_value: number | string | null
  first_order_at: string | null
  last_order_at: string | null
  conversations: number
  last_message_at: string | null
  first_seen_at: string
  last_seen_at: string
  labels: string[]
}

export type SortKey = 'name' | 'last_seen_at' | 'orders' | 'total_spent' | 'last_order_at' | 'last_message_at' | 'first_seen_at'

export interface ListQuery {
  search: string
  label: string
  consent: Consent | ''
  sort: SortKey
  descending: boolean
  page: number
}

export const PAGE_SIZE = 25
export const DEFAULT_QUERY: ListQuery = { search: '', label: '', consent: '', sort: 'last_seen_at', descending: true, page: 0 }

export interface CustomerPage {
  rows: CustomerOverview[]
  total: number
}

/** The list's filters as a PostgREST query: search in name, email and phone (a local 08… number finds
 * its +628…), label, consent; sorted in SQL, ties broken by id so pages never overlap. The stored rows
 * (customer_directory) are read through their indexes; a search goes through customer_search, whose trigram
 * indexes RLS would not let a LIKE filter use. */
function filtered(client: SupabaseClient, storeId: string, q: ListQuery, count: boolean) {
  const options = count ? { count: 'exact' as const } : undefined
  const term = q.search.replace(/[%*,()"\\]/g, ' ').trim()
  let query
  if (term) {
    const digits = term.replace(/[^0-9]/g, '').replace(/^0+/, '')
    const byNumber = digits.length >= 3 && digits.length * 2 >= term.replace(/\s/g, '').length
    const args = { p_store_id: storeId, p_term: term, p_digits: byNumber ? digits : null }
    query = client.rpc('customer_search', args, options).select('*')
  } else {
    query = client.from('customer_directory').select('*', options).eq('store_id', storeId)
  }
  if (q.label) query = query.contains('labels', [q.label])
  if (q.consent) query = query.eq('consent', q.consent)
  return query.order(q.sort, { ascending: !q.descending, nullsFirst: false }).order('id')
}

export async function fetchCustomers(client: SupabaseClient, storeId: string, q: ListQuery): Promise<CustomerPage> {
  const from = q.page * PAGE_SIZE
  const { data, error, count } = await filtered(client, storeId, q, true).range(from, from + PAGE_SIZE - 1)
  if (error) throw new Error(error.message)
  return { rows: (data ?? []) as unknown as CustomerOverview[], total: count ?? 0 }
}

/** Every label in use in the store, for the filter. */
export async function fetchStoreLabels(client: SupabaseClient, storeId: string): Promise<string[]> {
  const { data, error } = await client.from('customer_labels').select('label').eq('store_id', storeId).limit(5000)
  if (error) throw new Error(error.message)
  return [...new Set((data ?? []).map((r: { label: string }) => r.label))].sort((a, b) => a.localeCompare(b))
}

export const EXPORT_COLUMNS = [
  'name',
  'phone',
  'email',
  'orders',
  'paid_orders',
  'total_spent',
  'average_order_value',
  'last_order_at',
  'last_message_at',
  'first_seen_at',
  'consent',
  'labels',
] as const

/** The whole filtered list as CSV, read a thousand rows at a time (PostgREST caps a response). */
export async function exportCustomersCsv(client: SupabaseClient, storeId: string, q: ListQuery): Promise<string> {
  const rows: Cell[][] = []
  const chunk = 1000
  for (let from = 0; ; from += chunk) {
    const { data, error } = await filtered(client, storeId, q, false).range(from, from + chunk - 1)
    if (error) throw new Error(error.message)
    const page = (data ?? []) as unknown as Record<string, unknown>[]
    for (const row of page) {
      rows.push(EXPORT_COLUMNS.map((c) => (c === 'labels' ? (row[c] as string[]).join('; ') : (row[c] as Cell) ?? null)))
    }
    if (page.length < chunk) break
  }
  return toCsv([...EXPORT_COLUMNS], rows)
}

export interface ConversationSummary {
  id: string
  status: string
  created_at: string
  last_message_at: string | null
  summary: string | null
  resolution: string | null
}

export interface CustomerNote {
  id: string
  body: string
  author_id: string | null
  created_at: string
}

export interface ConsentEvent {
  id: number
  given: boolean
  source: string
  actor_id: string | null
  occurred_at: string
}

export interface CustomerProfile {
  customer: CustomerOverview
  /** Where they live (the WooCommerce billing address or a CSV import): what segments' city/province rules read. */
  place: { city: string | null; province: string | null }
  orders: Order[]
  conversations: ConversationSummary[]
  notes: CustomerNote[]
  consent: ConsentEvent[]
}

export async function fetchProfile(client: SupabaseClient, customerId: string): Promise<CustomerProfile | null> {
  const [customer, place, orders, conversations, notes, consent] = await Promise.all([
    client.from('customer_overview').select('*').eq('id', customerId).maybeSingle(),
    client.from('customers').select('city, province').eq('id', customerId).maybeSingle(),
    client
      .from('orders')
      .select(
        'id, number, status, total, currency, created_at, date_paid, date_completed, payment_method, shipping_method, ' +
          'tracking_number, order_items(name, quantity, total, variation_label, products(name))',
      )
      .eq('customer_id', customerId)
      .order('created_at', { ascending: false }),
    client
      .from('conversations')
      .select('id, status, created_at, last_message_at, summary, resolution')
      .eq('customer_id', customerId)
      .order('last_message_at', { ascending: false, nullsFirst: false }),
    client.from('customer_notes').select('id, body, author_id, created_at').eq('customer_id', customerId).order('created_at', { ascending: false }),
    client
      .from('customer_consent_events')
      .select('id, given, source, actor_id, occurred_at')
      .eq('customer_id', customerId)
      .order('occurred_at', { ascending: false }),
  ])
  for (const result of [customer, place, orders, conversations, notes, consent]) {
    if (result.error) throw new Error(result.error.message)
  }
  if (!customer.data) return null
  return {
    customer: customer.data as CustomerOverview,
    place: (place.data ?? { city: null, province: null }) as CustomerProfile['place'],
    orders: (orders.data ?? []) as unknown as Order[],
    conversations: (conversations.data ?? []) as ConversationSummary[],
    notes: (notes.data ?? []) as CustomerNote[],
    consent: (consent.data ?? []) as ConsentEvent[],
  }
}

/** A customer's labels and notes, as the inbox's context panel shows them. */
export async function fetchLabelsAndNotes(
  client: SupabaseClient,
  customerId: string,
): Promise<{ labels: string[]; notes: CustomerNote[] }> {
  const [labels, notes] = await Promise.all([
    client.from('customer_labels').select('label').eq('customer_id', customerId).order('label'),
    client.from('customer_notes').select('id, body, author_id, created_at').eq('customer_id', customerId).order('created_at', { ascending: false }),
  ])
  if (labels.error) throw new Error(labels.error.message)
  if (notes.error) throw new Error(notes.error.message)
  return { labels: (labels.data ?? []).map((r: { label: string }) => r.label), notes: (notes.data ?? []) as CustomerNote[] }
}

export async function addLabel(client: SupabaseClient, storeId: string, customerId: string, label: string): Promise<void> {
  const { error } = await client.from('customer_labels').insert({ store_id: storeId, customer_id: customerId, label: label.trim() })
  if (error && error.code !== '23505') throw new Error(error.message) // already there: nothing to do
}

export async function removeLabel(client: SupabaseClient, customerId: string, label: string): Promise<void> {
  const { error } = await client.from('customer_labels').delete().eq('customer_id', customerId).eq('label', label)
  if (error) throw new Error(error.message)
}

export async function addNote(client: SupabaseClient, storeId: string, customerId: string, body: string): Promise<void> {
  const { error } = await client.from('customer_notes').insert({ store_id: storeId, customer_id: customerId, body: body.trim() })
  if (error) throw new Error(error.message)
}

export async function setMarketingConsent(client: SupabaseClient, customerId: string, given: boolean): Promise<void> {
  const { error } = await client.rpc('set_customer_marketing_consent', { p_customer_id: customerId, p_given: given })
  if (error) throw new Error(error.message)
}

export interface ImportReport {
  dry_run: boolean
  accepted: number
  merged: number
  created: number | null
  updated: number | null
  opted_in: number | null
  opted_out: number | null
  refused: { line: number; phone: string; reason: string }[]
}

/** Sends a CSV file to POST /api/stores/{id}/customers/import (owners and admins). */
export async function importCsv(api: SapaApi, storeId: string, file: Blob, dryRun: boolean): Promise<ImportReport> {
  const { url, token } = await api.authorized(storeId, `customers/import${dryRun ? '?dry_run=true' : ''}`)
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
    body: file,
  })
  const text = await response.text()
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    body = null
  }
  if (!response.ok) {
    const detail = typeof body === 'object' && body !== null ? (body as { detail?: unknown }).detail : null
    throw new Error(typeof detail === 'string' ? detail : `The import failed (HTTP ${response.status})`)
  }
  return body as ImportReport
}
