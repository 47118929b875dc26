/** The inbox's filters: what the agent picked, how the database query applies it, and the same test in memory
 * (live updates arrive one row at a time and must be checked against the filters before they are shown). */
import type { ConversationItem, ConversationStatus, IssueCategory, Urgency } from './types'

export type StatusFilter = 'open' | 'all' | ConversationStatus
export type AssignmentFilter = 'all' | 'mine' | 'unassigned'

export interface InboxFilters {
  status: StatusFilter
  assignment: AssignmentFilter
  category: IssueCategory | null
  urgency: Urgency | null
  search: string
}

export const DEFAULT_FILTERS: InboxFilters = {
  status: 'open',
  assignment: 'all',
  category: null,
  urgency: null,
  search: '',
}

export const STATUS_FILTER_LABELS: Record<StatusFilter, string> = {
  open: 'Open',
  bot: 'Bot',
  human: 'Human',
  resolved: 'Resolved',
  all: 'All',
}

export const ASSIGNMENT_FILTER_LABELS: Record<AssignmentFilter, string> = {
  all: 'Everyone',
  mine: 'Mine',
  unassigned: 'Unassigned',
}

/** The ways a search may match a phone: as typed, and a local "0812…" as "+62812…" (the shop's country). */
export function phoneSearchTerms(search: string, countryCode = '62'): string[] {
  const digits = search.replace(/[\s\-().]/g, '')
  if (!/^\+?\d{3,}$/.test(digits)) return []
  const terms = [digits.replace(/^\+/, '')]
  if (digits.startsWith('0')) terms.push(`${countryCode}${digits.slice(1)}`)
  return terms
}

export function matchesFilters(item: ConversationItem, filters: InboxFilters, userId: string): boolean {
  switch (filters.status) {
    case 'all':
      break
    case 'open':
      if (item.status === 'resolved') return false
      break
    default:
      if (item.status !== filters.status) return false
  }
  if (filters.assignment === 'mine' && item.assignee_id !== userId) return false
  if (filters.assignment === 'unassigned' && item.assignee_id !== null) return false
  if (filters.category !== null && item.label_category !== filters.category) return false
  if (filters.urgency !== null && item.label_urgency !== filters.urgency) return false
  return matchesSearch(item, filters.search)
}

export function matchesSearch(item: ConversationItem, search: string): boolean {
  const query = search.trim().toLowerCase()
  if (query === '') return true
  const name = (item.customer?.name ?? '').toLowerCase()
  const phone = item.customer?.phone ?? ''
  return name.includes(query) || phoneSearchTerms(query).some((term) => phone.includes(term)) || phone.includes(query)
}

/** Quotes a value for a PostgREST logic filter (`or=(…)`), where commas and parentheses are syntax. */
export function quoteFilterValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** The customer-side part of a search as a PostgREST `or` filter on customers (name or phone contains). */
export function customerSearchFilter(search: string): string | null {
  const query = search.trim()
  if (query === '') return null
  // ilike wildcards typed by the agent are taken literally.
  const literal = query.replace(/[%_*]/g, ' ').trim()
  if (literal === '') return null
  const conditions = [`name.ilike.${quoteFilterValue(`*${literal}*`)}`]
  for (const term of new Set([literal, ...phoneSearchTerms(literal)])) {
    conditions.push(`phone.ilike.${quoteFilterValue(`*${term}*`)}`)
  }
  return conditions.join(',')
}

export function filtersAreDefault(filters: InboxFilters): boolean {
  return (
    filters.status === DEFAULT_FILTERS.status &&
    filters.assignment === DEFAULT_FILTERS.assignment &&
    filters.category === null &&
    filters.urgency === null &&
    filters.search.trim() === ''
  )
}
