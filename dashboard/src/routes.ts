/** The open conversation lives in the URL (#/c/<id>), so Back closes it and a link opens it. */
const CONVERSATION_HASH = /^#\/c\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i

export function conversationHref(conversationId: string): string {
  return `#/c/${conversationId}`
}

export function conversationIdFromHash(hash: string): string | null {
  return CONVERSATION_HASH.exec(hash)?.[1]?.toLowerCase() ?? null
}
