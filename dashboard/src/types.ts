/** Rows as the dashboard reads them (the schema is in supabase/migrations). */

export type MemberRole = 'owner' | 'admin' | 'agent'
export type ConversationStatus = 'bot' | 'human' | 'resolved'
export type IssueCategory = 'delivery' | 'order' | 'payment' | 'refund' | 'other'
export type Urgency = 'low' | 'medium' | 'high'
export type MessageDirection = 'inbound' | 'outbound'
export type MessageSender = 'customer' | 'bot' | 'agent' | 'system'
export type MessageStatus = 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'sandbox'
export type TicketStatus = 'open' | 'pending' | 'resolved'
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent'

export const CATEGORIES: readonly IssueCategory[] = ['delivery', 'order', 'payment', 'refund', 'other']
export const URGENCIES: readonly Urgency[] = ['high', 'medium', 'low']
export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'pending', 'resolved']
export const TICKET_PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent']

export interface StoreMembership {
  store_id: string
  role: MemberRole
  stores: { name: string; currency: string; timezone: string } | null
}

/** A member of the store's team, as the assignee picker lists them. */
export interface TeamMember {
  user_id: string
  role: MemberRole
  /** A display name when the API knows one; else the UI describes the member by role. */
  name: string | null
  email: string | null
}

export interface Customer {
  id?: string
  name: string | null
  phone: string | null
  email?: string | null
  first_seen_at?: string
}

/** The structured part of a conversation's summary ("additional data" on the card). */
export interface SummaryData {
  want?: string | null
  order_number?: string | null
  sentiment?: string | null
  next_step?: string | null
}

/** A conversation row (select *, so columns added by later migrations come along). */
export interface ConversationRow {
  id: string
  store_id: string
  customer_id: string
  status: ConversationStatus
  assignee_id: string | null
  handed_off_at: string | null
  resolved_at: string | null
  resolution: string | null
  summary: string | null
  summary_data?: SummaryData | null
  last_message_at: string | null
  last_inbound_at: string | null
  created_at: string
  updated_at?: string
  /** The conversation's label: its most urgent labelled customer message (kept by the database). */
  label_message_id?: string | null
  label_category?: IssueCategory | null
  label_urgency?: Urgency | null
  label_confidence?: number | null
  /** The classifier was unsure of that label: a person should check it. */
  label_unsure?: boolean | null
  /** The order the customer is probably writing about (an order update or checkout reminder for it
   * reached them within 7 days before they wrote). */
  pinned_order_id?: string | null
}

export interface MediaItem {
  url: string
  content_type?: string | null
  /** Set once the worker has downloaded and read the item (absent before, and on old messages). */
  status?: 'extracted' | 'unsupported' | 'oversized' | 'unreadable' | 'unavailable'
  /** The text read from it (OCR for photos), for the agent and the assistant. */
  text?: string | null
  text_truncated?: boolean | null
  pages?: number | null
  /** Why it could not be read, in plain words. */
  error?: string | null
  /** Where the worker kept a copy (the API hands out short-lived links to it). */
  storage_key?: string | null
}

export interface MessageRow {
  id: string
  store_id: string
  conversation_id: string
  direction: MessageDirection
  sender: MessageSender
  body: string
  media: MediaItem[] | null
  status: MessageStatus
  category: IssueCategory | null
  urgency: Urgency | null
  label_confidence: number | null
  label_unsure?: boolean | null
  metadata?: Record<string, unknown> | null
  created_at: string
}

/** The last message shown on a card. */
export type MessagePreview = Pick<MessageRow, 'id' | 'body' | 'created_at' | 'sender' | 'direction' | 'media'>

/** The conversation's label as the inbox shows it (from the row's label_* columns). */
export interface Labels {
  messageId: string | null
  category: IssueCategory | null
  urgency: Urgency | null
  confidence: number | null
  unsure: boolean
}

/** A conversation as the inbox lists it: the row (with its label), its customer and its last message. */
export interface ConversationItem extends ConversationRow {
  customer: Customer | null
  last: MessagePreview | null
}

export interface NoteRow {
  id: string
  store_id: string
  conversation_id: string
  author_id: string | null
  body: string
  created_at: string
}

export interface TicketRow {
  id: string
  store_id: string
  conversation_id: string
  status: TicketStatus
  priority: TicketPriority
  subject: string | null
  assignee_id: string | null
  created_by: string | null
  created_at: string
  updated_at: string
  resolved_at: string | null
}

export interface OrderItem {
  name: string
  quantity: number
  total: number | string
  /** The variation bought ("Size: XL"); null for a simple product. */
  variation_label: string | null
  /** The product the line is of (a variation's parent), when it is mirrored. */
  products: { name: string } | null
}

export interface Order {
  id: string
  number: string
  status: string
  total: number | string
  currency: string
  created_at: string
  date_paid: string | null
  date_completed: string | null
  payment_method: string | null
  shipping_method: string | null
  tracking_number: string | null
  order_items: OrderItem[]
}

/** An approved WhatsApp template (GET /api/stores/{id}/templates). */
export interface Template {
  id?: string
  name: string
  content_sid: string
  language: string
  /** The text with {{1}}, {{2}} … placeholders. */
  body: string
  /** The placeholders to fill, in order (["1", "2"]); derived from the body when absent. */
  variables?: string[]
}
