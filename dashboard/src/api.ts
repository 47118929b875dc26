/** Sapa's functions API: every action on a conversation goes through `/api/stores/{store_id}/…`, which checks
 * the caller's Supabase JWT and role in the store, does the change and writes the audit log. */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { MemberRole, TeamMember, TicketPriority, TicketStatus, Template } from './types'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface AgentReply {
  body: string
}

export interface TemplateReply {
  content_sid: string
  variables: Record<string, string>
}

export interface NewTicket {
  subject: string
  priority: TicketPriority
  assignee_id?: string | null
}

export interface TicketChange {
  status?: TicketStatus
  priority?: TicketPriority
  assignee_id?: string | null
}

export class SapaApi {
  constructor(
    private readonly client: SupabaseClient,
    readonly functionsUrl: string,
  ) {}

  takeOver(storeId: string, conversationId: string): Promise<unknown> {
    return this.post(storeId, `conversations/${conversationId}/take-over`)
  }

  handBack(storeId: string, conversationId: string): Promise<unknown> {
    return this.post(storeId, `conversations/${conversationId}/hand-back`)
  }

  resolve(storeId: string, conversationId: string): Promise<unknown> {
    return this.post(storeId, `conversations/${conversationId}/resolve`)
  }

  assign(storeId: string, conversationId: string, assigneeId: string | null): Promise<unknown> {
    return this.post(storeId, `conversations/${conversationId}/assign`, { assignee_id: assigneeId })
  }

  reply(storeId: string, conversationId: string, message: AgentReply | TemplateReply): Promise<unknown> {
    return this.post(storeId, `conversations/${conversationId}/messages`, message)
  }

  addNote(storeId: string, conversationId: string, body: string): Promise<unknown> {
    return this.post(storeId, `conversations/${conversationId}/notes`, { body })
  }

  openTicket(storeId: string, conversationId: string, ticket: NewTicket): Promise<unknown> {
    return this.post(storeId, `conversations/${conversationId}/tickets`, ticket)
  }

  updateTicket(storeId: string, ticketId: string, change: TicketChange): Promise<unknown> {
    return this.request('PATCH', storeId, `tickets/${ticketId}`, change)
  }

  /** The team with names and emails (auth.users is not readable through PostgREST). */
  async members(storeId: string): Promise<TeamMember[]> {
    const body = await this.request('GET', storeId, 'members')
    if (!Array.isArray(body)) throw new ApiError(500, 'The team list has an unexpected shape')
    return body.filter(isRecord).flatMap((m) =>
      typeof m['user_id'] === 'string' && typeof m['role'] === 'string'
        ? [
            {
              user_id: m['user_id'],
              role: m['role'] as MemberRole,
              name: typeof m['full_name'] === 'string' && m['full_name'] !== '' ? m['full_name'] : null,
              email: typeof m['email'] === 'string' ? m['email'] : null,
            },
          ]
        : [],
    )
  }

  /** A short-lived link to the copy of a customer's attachment that Sapa kept (Twilio's URL needs credentials). */
  async mediaLink(storeId: string, messageId: string, index: number): Promise<string> {
    const body = await this.request('GET', storeId, `messages/${messageId}/media/${index}`)
    if (!isRecord(body) || typeof body['url'] !== 'string') throw new ApiError(500, 'The link has an unexpected shape')
    return body['url']
  }

  async templates(storeId: string): Promise<Template[]> {
    const body = await this.request('GET', storeId, 'templates')
    const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body['templates']) ? body['templates'] : []
    return list.filter(isTemplate)
  }

  private post(storeId: string, path: string, body: unknown = {}): Promise<unknown> {
    return this.request('POST', storeId, path, body)
  }

  /** The URL of a store's API path and the caller's access token, for requests `request` cannot make
   * (an upload with progress goes through XMLHttpRequest). */
  async authorized(storeId: string, path: string): Promise<{ url: string; token: string }> {
    const { data } = await this.client.auth.getSession()
    if (!data.session) throw new ApiError(401, 'Your session has ended: sign in again.')
    return { url: `${this.functionsUrl}/api/stores/${storeId}/${path}`, token: data.session.access_token }
  }

  async request(method: string, storeId: string, path: string, body?: unknown): Promise<unknown> {
    const { data } = await this.client.auth.getSession()
    if (!data.session) throw new ApiError(401, 'Your session has ended: sign in again.')
    let response: Response
    try {
      response = await fetch(`${this.functionsUrl}/api/stores/${storeId}/${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${data.session.access_token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      })
    } catch {
      throw new ApiError(0, 'Sapa’s API could not be reached. Check your connection and try again.')
    }
    const text = await response.text()
    const parsed = parseJson(text)
    if (!response.ok) throw new ApiError(response.status, errorText(response.status, parsed, text))
    return parsed
  }
}

export function parseJson(text: string): unknown {
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** FastAPI says why in `detail`: a sentence, or a list of validation errors. */
export function errorText(status: number, body: unknown, raw: string): string {
  const detail = isRecord(body) ? body['detail'] : undefined
  if (typeof detail === 'string' && detail !== '') return detail
  if (Array.isArray(detail)) {
    const messages = detail.map((d) => (isRecord(d) && typeof d['msg'] === 'string' ? d['msg'] : null)).filter(Boolean)
    if (messages.length > 0) return messages.join('; ')
  }
  if (status === 401) return 'Your session has ended: sign in again.'
  if (status === 403) return 'Your role in this store does not allow that.'
  if (status === 404) return 'Not found: it may have been deleted.'
  return `The API answered HTTP ${status}${raw && raw.length < 200 ? `: ${raw}` : ''}`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isTemplate(value: unknown): value is Template {
  return (
    isRecord(value) &&
    typeof value['name'] === 'string' &&
    typeof value['content_sid'] === 'string' &&
    typeof value['body'] === 'string'
  )
}
