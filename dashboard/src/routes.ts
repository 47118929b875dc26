/** The open conversation lives in the URL (#/c/<id>), so Back closes it and a link opens it. */
const CONVERSATION_HASH = /^#\/c\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

export function conversationHref(conversationId: string): string {
  return `#/c/${conversationId}`
}

export function conversationIdFromHash(hash: string): string | null {
  return CONVERSATION_HASH.exec(hash)?.[1]?.toLowerCase() ?? null
}

/** The pages besides the inbox, each at its own hash (#/knowledge, #/kpis, #/team…); anything else is the inbox. */
export type Page =
  | 'inbox'
  | 'knowledge'
  | 'kpis'
  | 'customers'
  | 'audit'
  | 'assistant-settings'
  | 'store-settings'
  | 'notification-settings'
  | 'team'
  | 'segments'
  | 'broadcasts'

export function pageFromHash(hash: string): Page {
  if (hash === '#/kpis') return 'kpis'
  if (hash === '#/team') return 'team'
  if (hash === '#/audit') return 'audit'
  if (hash === '#/customers' || hash.startsWith('#/customers/')) return 'customers'
  if (hash === '#/settings/assistant') return 'assistant-settings'
  if (hash === '#/settings/store') return 'store-settings'
  if (hash === '#/settings/notifications') return 'notification-settings'
  if (hash === '#/segments') return 'segments'
  if (hash === '#/broadcasts') return 'broadcasts'
  return hash === '#/knowledge' ? 'knowledge' : 'inbox'
}

/** A customer's profile: #/customers/<id>. */
const CUSTOMER_HASH = /^#\/customers\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

export function customerHref(customerId: string): string {
  return `#/customers/${customerId}`
}

export function customerIdFromHash(hash: string): string | null {
  return CUSTOMER_HASH.exec(hash)?.[1]?.toLowerCase() ?? null
}
