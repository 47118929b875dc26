import type { SupabaseClient } from '@supabase/supabase-js'
import type { Conversation, MessagePreview, StoreMembership } from './types'

/** How many conversations the inbox lists, newest activity first. */
export const INBOX_LIMIT = 50

const CONVERSATION_COLUMNS = 'id,status,last_message_at,summary,customer:customers(name,phone)'

/** The stores this user works in. (RLS also shows each store's whole team, hence the user filter.) */
export async function fetchMemberships(client: SupabaseClient, userId: string): Promise<StoreMembership[]> {
  const { data, error } = await client
    .from('store_members')
    .select('store_id,role,stores(name)')
    .eq('user_id', userId)
    .order('created_at')
    .overrideTypes<StoreMembership[], { merge: false }>()
  if (error) throw new Error(`Could not load your stores: ${error.message}`)
  return data
}

export async function fetchConversations(client: SupabaseClient, storeId: string): Promise<Conversation[]> {
  const { data, error } = await client
    .from('conversations')
    .select(CONVERSATION_COLUMNS)
    .eq('store_id', storeId)
    .order('last_message_at', { ascending: false, nullsFirst: false })
    .limit(INBOX_LIMIT)
    .overrideTypes<Conversation[], { merge: false }>()
  if (error) throw new Error(`Could not load conversations: ${error.message}`)
  return data
}

export async function fetchConversation(
  client: SupabaseClient,
  storeId: string,
  conversationId: string,
): Promise<Conversation | null> {
  const { data, error } = await client
    .from('conversations')
    .select(CONVERSATION_COLUMNS)
    .eq('store_id', storeId)
    .eq('id', conversationId)
    .maybeSingle()
    .overrideTypes<Conversation | null, { merge: false }>()
  if (error) throw new Error(`Could not load conversation: ${error.message}`)
  return data
}

/** The latest message of each given conversation (one query; conversations without messages are absent). */
export async function fetchLatestMessages(
  client: SupabaseClient,
  storeId: string,
  conversationIds: readonly string[],
): Promise<Map<string, MessagePreview>> {
  const latest = new Map<string, MessagePreview>()
  if (conversationIds.length === 0) return latest
  const { data, error } = await client
    .from('messages')
    .select('conversation_id,body,created_at')
    .eq('store_id', storeId)
    .in('conversation_id', [...conversationIds])
    .order('created_at', { ascending: false })
    .limit(200)
    .overrideTypes<MessagePreview[], { merge: false }>()
  if (error) throw new Error(`Could not load messages: ${error.message}`)
  for (const message of data) {
    if (!latest.has(message.conversation_id)) latest.set(message.conversation_id, message)
  }
  return latest
}
