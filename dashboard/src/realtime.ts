import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js'
import type { ConversationRow, MessageRow, NoteRow, TicketRow } from './types'

/**
 * A row change as realtime.broadcast_changes sends it on the store's private topic:
 * payload = {schema, table, operation, record, old_record}.
 */
export type StoreChange =
  | { table: 'messages'; operation: 'INSERT' | 'UPDATE'; record: MessageRow }
  | { table: 'conversations'; operation: 'INSERT' | 'UPDATE'; record: ConversationRow }
  | { table: 'tickets'; operation: 'INSERT' | 'UPDATE'; record: TicketRow }
  | { table: 'conversation_notes'; operation: 'INSERT' | 'UPDATE'; record: NoteRow }
  | { table: 'messages' | 'conversations' | 'tickets' | 'conversation_notes'; operation: 'DELETE'; record: DeletedRow }

export interface DeletedRow {
  id: string
  conversation_id: string | null
}

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
  onPayload?: (payload: unknown) => void,
): Promise<StoreSubscription> {
  await client.realtime.setAuth(accessToken)
  onStatus('CONNECTING')
  const channel = client
    .channel(`store:${storeId}`, { config: { private: true } })
    .on('broadcast', { event: '*' }, (message) => {
      // Every payload, also of tables the inbox ignores, for the pages that follow them (knowledge).
      onPayload?.(message['payload'])
      const change = parseStoreChange(message['payload'])
      if (change) onChange(change)
    })
    .subscribe((status, error) => onStatus(status, error))
  return { channel }
}

export async function unsubscribe(client: SupabaseClient, subscription: StoreSubscription): Promise<void> {
  await client.removeChannel(subscription.channel)
}

const TABLES = new Set(['messages', 'conversations', 'tickets', 'conversation_notes'])

/** Returns null for anything the inbox does not act on (other tables, malformed payloads). */
export function parseStoreChange(payload: unknown): StoreChange | null {
  if (!isRecord(payload)) return null
  const { table, operation } = payload
  if (typeof table !== 'string' || !TABLES.has(table)) return null
  const record = payload['record']
  if (operation === 'DELETE') {
    const old = payload['old_record']
    if (!isRecord(old) || typeof old['id'] !== 'string') return null
    const conversationId = table === 'conversations' ? old['id'] : old['conversation_id']
    return {
      table: table as 'messages',
      operation,
      record: { id: old['id'], conversation_id: typeof conversationId === 'string' ? conversationId : null },
    }
  }
  if (operation !== 'INSERT' && operation !== 'UPDATE') return null
  if (!isRecord(record) || typeof record['id'] !== 'string' || typeof record['store_id'] !== 'string') return null
  switch (table) {
    case 'messages':
      return typeof record['conversation_id'] === 'string' && typeof record['created_at'] === 'string'
        ? { table, operation, record: normaliseMessage(record as unknown as MessageRow) }
        : null
    case 'conversations':
      return typeof record['status'] === 'string'
        ? { table, operation, record: record as unknown as ConversationRow }
        : null
    case 'tickets':
      return typeof record['conversation_id'] === 'string'
        ? { table, operation, record: record as unknown as TicketRow }
        : null
    case 'conversation_notes':
      return typeof record['conversation_id'] === 'string'
        ? { table, operation, record: record as unknown as NoteRow }
        : null
    default:
      return null
  }
}

function normaliseMessage(row: MessageRow): MessageRow {
  return { ...row, body: row.body ?? '', media: Array.isArray(row.media) ? row.media : [] }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
