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

/** Each page's address (the links elsewhere and the tests use them: keep them). */
export const PAGE_HASHES: Readonly<Record<Page, string>> = {
  inbox: '#/',
  knowledge: '#/knowledge',
  kpis: '#/kpis',
  customers: '#/customers',
  audit: '#/audit',
  'assistant-settings': '#/settings/assistant',
  'store-settings': '#/settings/store',
  'notification-settings': '#/settings/notifications',
  team: '#/team',
  segments: '#/segments',
  broadcasts: '#/broadcasts',
}

const PAGE_BY_HASH = new Map(Object.entries(PAGE_HASHES).map(([page, hash]) => [hash, page as Page]))

export function pageFromHash(hash: string): Page {
  if (hash.startsWith('#/customers/')) return 'customers'
  return PAGE_BY_HASH.get(hash) ?? 'inbox'
}

/** A customer's profile: #/customers/<id>. */
const CUSTOMER_HASH = /^#\/customers\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

export function customerHref(customerId: string): string {
  return `#/customers/${customerId}`
}

export function customerIdFromHash(hash: string): string | null {
  return CUSTOMER_HASH.exec(hash)?.[1]?.toLowerCase() ?? null
}
