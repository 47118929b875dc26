/** The open conversation lives in the URL (#/c/<id>), so Back closes it and a link opens it. */
const CONVERSATION_HASH = /^#\/c\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

export function conversationHref(conversationId: string): string {
  return `#/c/${conversationId}`
}

export function conversationIdFromHash(hash: string): string | null {
  return CONVERSATION_HASH.exec(hash)?.[1]?.toLowerCase() ?? null
}

/** The pages besides the inbox, each at its own hash (#/knowledge, #/kpis, #/team); anything else is the inbox. */
export type Page = 'inbox' | 'knowledge' | 'kpis' | 'team'

export function pageFromHash(hash: string): Page {
  if (hash === '#/kpis') return 'kpis'
  if (hash === '#/team') return 'team'
  return hash === '#/knowledge' ? 'knowledge' : 'inbox'
}
