/** Reads through PostgREST under RLS: what a member of the store may see, nothing more. */
import type { SupabaseClient } from '@supabase/supabase-js'
import { customerSearchFilter, quoteFilterValue, type InboxFilters } from './filters'
import type {
  ConversationItem,
  ConversationRow,
  Customer,
  MessagePreview,
  MessageRow,
  NoteRow,
  Order,
  StoreMembership,
  TeamMember,
  TicketRow,
} from './types'

/** Conversations per page of the inbox. */
export const PAGE_SIZE = 40
/** The newest messages a thread shows. */
export const THREAD_LIMIT = 500

// The row (with the conversation's label, kept by the database), its customer and its last message, in
// one request: PostgREST orders and limits the embedded list per conversation.
const CONVERSATION_SELECT = [
  '*',
  'customer:customers!inner(id,name,phone,email,first_seen_at)',
  'last:messages(id,body,created_at,sender,direction,media)',
].join(',')

interface RawConversation extends ConversationRow {
  customer: Customer | null
  last: MessagePreview[] | null
}

/** Where the next page starts: after this conversation in (last_message_at desc nulls last, id desc). */
export interface PageCursor {
  lastMessageAt: string | null
  id: string
}

export interface ConversationPage {
  items: ConversationItem[]
  /** The position after the last row the database returned (before any filtering in memory). */
  cursor: PageCursor | null
  hasMore: boolean
  total: number | null
}

export async function fetchMemberships(client: SupabaseClient, userId: string): Promise<StoreMembership[]> {
  const { data, error } = await client
    .from('store_members')
    .select('store_id,role,stores(name,currency,timezone)')
    .eq('user_id', userId)
    .order('created_at')
    .overrideTypes<StoreMembership[], { merge: false }>()
  if (error) throw new Error(`Could not load your stores: ${error.message}`)
  return data
}

/** The store's team (RLS lets members see each other). Names are not in the table; the UI labels by role. */
export async function fetchTeam(client: SupabaseClient, storeId: string): Promise<TeamMember[]> {
  const { data, error } = await client
    .from('store_members')
    .select('user_id,role')
    .eq('store_id', storeId)
    .order('created_at')
    .overrideTypes<Pick<TeamMember, 'user_id' | 'role'>[], { merge: false }>()
  if (error) throw new Error(`Could not load the team: ${error.message}`)
  return data.map((m) => ({ ...m, name: null, email: null }))
}

function conversationQuery(client: SupabaseClient, storeId: string, filters: InboxFilters, userId: string) {
  let query = client
    .from('conversations')
    .select(CONVERSATION_SELECT, { count: 'exact' })
    .eq('store_id', storeId)
    .order('created_at', { referencedTable: 'last', ascending: false })
    .limit(1, { referencedTable: 'last' })

  if (filters.status === 'open') query = query.neq('status', 'resolved')
  else if (filters.status !== 'all') query = query.eq('status', filters.status)
  if (filters.assignment === 'mine') query = query.eq('assignee_id', userId)
  else if (filters.assignment === 'unassigned') query = query.is('assignee_id', null)

  // The conversation's label: its most urgent issue (migration 20261203000050).
  if (filters.category) query = query.eq('label_category', filters.category)
  if (filters.urgency) query = query.eq('label_urgency', filters.urgency)
  const search = customerSearchFilter(filters.search)
  if (search) query = query.or(search, { referencedTable: 'customers' })
  return query
}

/** One page of the store's conversations matching the filters, newest activity first. */
export async function fetchConversationPage(
  client: SupabaseClient,
  storeId: string,
  filters: InboxFilters,
  userId: string,
  after: PageCursor | null,
): Promise<ConversationPage> {
  let query = conversationQuery(client, storeId, filters, userId)
  if (after) query = query.or(cursorFilter(after))
  const { data, error, count } = await query
    .order('last_message_at', { ascending: false, nullsFirst: false })
    .order('id', { ascending: false })
    .limit(PAGE_SIZE)
    .overrideTypes<RawConversation[], { merge: false }>()
  if (error) throw new Error(`Could not load conversations: ${error.message}`)
  const last = data.at(-1)
  return {
    items: data.map(toItem),
    cursor: last ? { lastMessageAt: last.last_message_at, id: last.id } : after,
    hasMore: data.length === PAGE_SIZE,
    total: after ? null : count,
  }
}

/** Rows after the cursor in (last_message_at desc nulls last, id desc). */
function cursorFilter({ lastMessageAt, id }: PageCursor): string {
  const quotedId = quoteFilterValue(id)
  if (lastMessageAt === null) return `and(last_message_at.is.null,id.lt.${quotedId})`
  const at = quoteFilterValue(lastMessageAt)
  return `last_message_at.lt.${at},last_message_at.is.null,and(last_message_at.eq.${at},id.lt.${quotedId})`
}

/** One conversation as a card, or null when it does not exist, is not visible, or does not match the filters. */
export async function fetchConversationItem(
  client: SupabaseClient,
  storeId: string,
  conversationId: string,
  filters: InboxFilters | null,
  userId: string,
): Promise<ConversationItem | null> {
  const query = filters
    ? conversationQuery(client, storeId, filters, userId)
    : client
        .from('conversations')
        .select(CONVERSATION_SELECT)
        .eq('store_id', storeId)
        .order('created_at', { referencedTable: 'last', ascending: false })
        .limit(1, { referencedTable: 'last' })
  const { data, error } = await query
    .eq('id', conversationId)
    .maybeSingle()
    .overrideTypes<RawConversation | null, { merge: false }>()
  if (error) throw new Error(`Could not load the conversation: ${error.message}`)
  return data ? toItem(data) : null
}

function toItem(raw: RawConversation): ConversationItem {
  const { last, ...row } = raw
  return { ...row, last: last?.[0] ?? null }
}

/** The thread: the newest messages, oldest first. */
export async function fetchThread(client: SupabaseClient, conversationId: string): Promise<MessageRow[]> {
  const { data, error } = await client
    .from('messages')
    .select(
      'id,store_id,conversation_id,direction,sender,body,media,status,category,urgency,label_confidence,label_unsure,metadata,created_at',
    )
    .eq('conversation_id', conversationId)
    .order('created_at', { ascending: false })
    .order('id', { ascending: false })
    .limit(THREAD_LIMIT)
    .overrideTypes<MessageRow[], { merge: false }>()
  if (error) throw new Error(`Could not load the messages: ${error.message}`)
  return data.reverse()
}

export async function fetchTickets(client: SupabaseClient, conversationId: string): Promise<TicketRow[]> {
  const { data, error } = await client
    .from('tickets')
    .select('*')
    .eq('conversation_id', conversationId)
    .order('created_at', { ascending: false })
    .overrideTypes<TicketRow[], { merge: false }>()
  if (error) throw new Error(`Could not load the tickets: ${error.message}`)
  return data
}

export async function fetchNotes(client: SupabaseClient, conversationId: string): Promise<NoteRow[]> {
  const { data, error } = await client
    .from('conversation_notes')
    .select('*')
    .eq('conversation_id', conversationId)
    .order('created_at')
    .overrideTypes<NoteRow[], { merge: false }>()
  if (error) throw new Error(`Could not load the notes: ${error.message}`)
  return data
}

/** The customer's orders in the WooCommerce mirror: theirs by account, or billed to their WhatsApp number. */
export async function fetchOrders(
  client: SupabaseClient,
  storeId: string,
  customer: { id: string; phone: string | null },
): Promise<Order[]> {
  const match = [`customer_id.eq.${quoteFilterValue(customer.id)}`]
  if (customer.phone) match.push(`billing_phone.eq.${quoteFilterValue(customer.phone)}`)
  const { data, error } = await client
    .from('orders')
    .select(
      'id,number,status,total,currency,created_at,date_paid,date_completed,payment_method,shipping_method,tracking_number,order_items(name,quantity,total,variation_label,products(name))',
    )
    .eq('store_id', storeId)
    .or(match.join(','))
    .not('status', 'in', '(checkout-draft,trash)')
    .order('created_at', { ascending: false })
    .limit(20)
    .overrideTypes<Order[], { merge: false }>()
  if (error) throw new Error(`Could not load the orders: ${error.message}`)
  return data
}

/** The open queue at a glance, for the overview shown when no conversation is open. */
export interface QueueCounts {
  needsPerson: number
  mine: number
  withBot: number
  resolvedToday: number
}

export async function fetchQueueCounts(client: SupabaseClient, storeId: string, userId: string): Promise<QueueCounts> {
  const count = async (narrow: (q: ReturnType<typeof base>) => ReturnType<typeof base>): Promise<number> => {
    const { count: n, error } = await narrow(base())
    if (error) throw new Error(`Could not count conversations: ${error.message}`)
    return n ?? 0
  }
  const base = () => client.from('conversations').select('id', { count: 'exact', head: true }).eq('store_id', storeId)
  const startOfToday = new Date()
  startOfToday.setHours(0, 0, 0, 0)
  const [needsPerson, mine, withBot, resolvedToday] = await Promise.all([
    count((q) => q.eq('status', 'human').is('assignee_id', null)),
    count((q) => q.neq('status', 'resolved').eq('assignee_id', userId)),
    count((q) => q.eq('status', 'bot')),
    count((q) => q.eq('status', 'resolved').gte('resolved_at', startOfToday.toISOString())),
  ])
  return { needsPerson, mine, withBot, resolvedToday }
}
