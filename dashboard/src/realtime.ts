import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import type { ConversationRow, MessageRow } from './types'

/**
 * A row change as realtime.broadcast_changes sends it on the store's private topic:
 * payload = {id?, schema, table, operation, record, old_record}.
 */
export type StoreChange =
  | { table: 'messages'; operation: 'INSERT'; record: MessageRow }
  | { table: 'conversations'; operation: 'INSERT' | 'UPDATE'; record: ConversationRow }
  | { table: 'conversations'; operation: 'DELETE'; record: Pick<ConversationRow, 'id'> }

export type ChannelStatus = 'CONNECTING' | 'SUBSCRIBED' | 'TIMED_OUT' | 'CLOSED' | 'CHANNEL_ERROR'

export interface StoreSubscription {
  channel: RealtimeChannel
}

/** Joins the private topic `store:<storeId>`; RLS on realtime.messages decides whether we may. */
export async function subscribeToStore(
  client: SupabaseClient,
  accessToken: string,
  storeId: string,
  onChange: (change: StoreChange) => void,
  onStatus: (status: ChannelStatus, error?: Error) => void,
): Promise<StoreSubscription> {
  await client.realtime.setAuth(accessToken)
  onStatus('CONNECTING')
  const channel = client
    .channel(`store:${storeId}`, { config: { private: true } })
    .on('broadcast', { event: '*' }, (message) => {
      const change = parseStoreChange(message['payload'])
      if (change) onChange(change)
    })
    .subscribe((status, error) => onStatus(status, error))
  return { channel }
}

export async function unsubscribe(client: SupabaseClient, subscription: StoreSubscription): Promise<void> {
  await client.removeChannel(subscription.channel)
}

/** Returns null for anything the inbox does not act on (other tables, malformed payloads). */
export function parseStoreChange(payload: unknown): StoreChange | null {
  if (!isRecord(payload)) return null
  const { table, operation } = payload
  const record = payload['record']
  const oldRecord = payload['old_record']
  if (table === 'messages' && operation === 'INSERT' && isMessageRow(record)) {
    return { table, operation, record }
  }
  if (table === 'conversations') {
    if ((operation === 'INSERT' || operation === 'UPDATE') && isConversationRow(record)) {
      return { table, operation, record }
    }
    if (operation === 'DELETE' && isRecord(oldRecord) && typeof oldRecord['id'] === 'string') {
      return { table, operation, record: { id: oldRecord['id'] } }
    }
  }
  return null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isMessageRow(value: unknown): value is MessageRow {
  return (
    isRecord(value) &&
    typeof value['id'] === 'string' &&
    typeof value['store_id'] === 'string' &&
    typeof value['conversation_id'] === 'string' &&
    typeof value['created_at'] === 'string'
  )
}

function isConversationRow(value: unknown): value is ConversationRow {
  return (
    isRecord(value) &&
    typeof value['id'] === 'string' &&
    typeof value['store_id'] === 'string' &&
    typeof value['status'] === 'string'
  )
}
