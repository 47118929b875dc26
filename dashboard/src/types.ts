/** Rows as the dashboard reads them (see supabase/migrations for the schema). */

export type MemberRole = 'owner' | 'admin' | 'agent'
export type ConversationStatus = 'bot' | 'human' | 'resolved'

export interface StoreMembership {
  store_id: string
  role: MemberRole
  stores: { name: string } | null
}

export interface CustomerSummary {
  name: string | null
  phone: string
}

/** A conversation as listed in the inbox (with its customer embedded). */
export interface Conversation {
  id: string
  status: ConversationStatus
  last_message_at: string | null
  summary: string | null
  customer: CustomerSummary | null
}

/** The part of a message the inbox shows. */
export interface MessagePreview {
  conversation_id: string
  body: string | null
  created_at: string
}

/** Raw table rows as carried by realtime.broadcast_changes. */
export interface ConversationRow {
  id: string
  store_id: string
  customer_id: string
  status: ConversationStatus
  summary: string | null
  last_message_at: string | null
}

export interface MessageRow {
  id: string
  store_id: string
  conversation_id: string
  body: string | null
  created_at: string
}
