import { useEffect, useRef, useState } from 'preact/hooks'
import {
  ASSIGNMENT_FILTER_LABELS,
  DEFAULT_FILTERS,
  filtersAreDefault,
  STATUS_FILTER_LABELS,
  type AssignmentFilter,
  type InboxFilters,
  type StatusFilter,
} from '../filters'
import { CATEGORY_LABELS, formatDateTime, URGENCY_LABELS } from '../format'
import type { Workspace } from '../models/workspace'
import { useNow, useStore } from '../store'
import { CATEGORIES, URGENCIES, type IssueCategory, type Urgency } from '../types'
import { ConversationCard } from './ConversationCard'
import { Icon } from './Icon'

const STATUS_OPTIONS: StatusFilter[] = ['open', 'bot', 'human', 'resolved', 'all']
const ASSIGNMENT_OPTIONS: AssignmentFilter[] = ['all', 'mine', 'unassigned']

export function InboxPane({ workspace, openId }: { workspace: Workspace; openId: string | null }) {
  const state = useStore(workspace.inbox.state)
  const team = useStore(workspace.team)
  const delayedSince = useStore(workspace.deliveryDelayedSince)
  const now = useNow(15_000)
  const { filters } = state
  const listRef = useRef<HTMLUListElement>(null)
  const sentinel = useRef<HTMLLIElement>(null)

  const setFilters = (change: Partial<InboxFilters>) => workspace.setFilters({ ...filters, ...change })

  // Reading on as the end of the list scrolls into view (the button below does the same by hand).
  useEffect(() => {
    const target = sentinel.current
    if (!target) return
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void workspace.inbox.loadMore()
      },
      { rootMargin: '400px 0px' },
    )
    observer.observe(target)
    return () => observer.disconnect()
  }, [workspace, state.hasMore, state.items.length])

  const onListKeyDown = (event: KeyboardEvent) => {
    const cards = [...(listRef.current?.querySelectorAll<HTMLAnchorElement>('a.card') ?? [])]
    const index = cards.indexOf(document.activeElement as HTMLAnchorElement)
    const target =
      event.key === 'ArrowDown'
        ? cards[Math.min(index + 1, cards.length - 1)]
        : event.key === 'ArrowUp'
          ? cards[Math.max(index - 1, 0)]
          : event.key === 'Home'
            ? cards[0]
            : event.key === 'End'
              ? cards.at(-1)
              : undefined
    if (!target) return
    event.preventDefault()
    target.focus()
  }

  return (
    <section class="pane pane--inbox" aria-labelledby="inbox-heading">
      {delayedSince && (
        <p class="composer__notice composer__notice--warn" role="status" data-testid="delivery-delayed">
          <Icon name="alert" size={15} />
          WhatsApp delivery delayed since {formatDateTime(delayedSince)}: messages wait and are sent in order
          when Twilio answers again.
        </p>
      )}
      <div class="inbox-head">
        <div class="inbox-head__title">
          <h2 id="inbox-heading">Conversations</h2>
          <span class="inbox-head__count" data-testid="inbox-count" aria-live="polite">
            {state.loading ? '' : state.total !== null ? `${state.total}` : ''}
          </span>
        </div>
        <SearchBox value={filters.search} onSearch={(search) => setFilters({ search })} />
        <fieldset class="segmented" data-testid="status-filter">
          <legend class="visually-hidden">Status</legend>
          {STATUS_OPTIONS.map((status) => (
            <label key={status} class={`segmented__option ${filters.status === status ? 'is-active' : ''}`}>
              <input
                type="radio"
                name="status-filter"
                value={status}
                checked={filters.status === status}
                onChange={() => setFilters({ status })}
              />
              {STATUS_FILTER_LABELS[status]}
            </label>
          ))}
        </fieldset>
        <div class="filter-row">
          <div class="filter">
            <label for="filter-assignee" class="visually-hidden">
              Assigned to
            </label>
            <select
              id="filter-assignee"
              data-testid="assignment-filter"
              value={filters.assignment}
              onChange={(e) => setFilters({ assignment: (e.target as HTMLSelectElement).value as AssignmentFilter })}
            >
              {ASSIGNMENT_OPTIONS.map((a) => (
                <option key={a} value={a}>
                  {ASSIGNMENT_FILTER_LABELS[a]}
                </option>
              ))}
            </select>
          </div>
          <div class="filter">
            <label for="filter-category" class="visually-hidden">
              Category
            </label>
            <select
              id="filter-category"
              data-testid="category-filter"
              value={filters.category ?? ''}
              onChange={(e) =>
                setFilters({ category: ((e.target as HTMLSelectElement).value || null) as IssueCategory | null })
              }
            >
              <option value="">All categories</option>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {CATEGORY_LABELS[c]}
                </option>
              ))}
            </select>
          </div>
          <div class="filter">
            <label for="filter-urgency" class="visually-hidden">
              Urgency
            </label>
            <select
              id="filter-urgency"
              data-testid="urgency-filter"
              value={filters.urgency ?? ''}
              onChange={(e) =>
                setFilters({ urgency: ((e.target as HTMLSelectElement).value || null) as Urgency | null })
              }
            >
              <option value="">Any urgency</option>
              {URGENCIES.map((u) => (
                <option key={u} value={u}>
                  {URGENCY_LABELS[u]} urgency
                </option>
              ))}
            </select>
          </div>
        </div>
        {!filtersAreDefault(filters) && (
          <button
            type="button"
            class="link-button"
            data-testid="clear-filters"
            onClick={() => workspace.setFilters(DEFAULT_FILTERS)}
          >
            Clear filters
          </button>
        )}
      </div>

      {state.error && (
        <p data-testid="inbox-error" class="alert" role="alert">
          {state.error}
        </p>
      )}
      <div class="inbox-scroll" aria-busy={state.loading}>
        {state.loading && state.items.length === 0 && <SkeletonCards />}
        <ul
          ref={listRef}
          data-testid="conversation-list"
          class="conversation-list"
          aria-label="Conversations"
          onKeyDown={onListKeyDown}
        >
          {state.items.map((item) => (
            <ConversationCard
              key={item.id}
              item={item}
              now={now}
              selected={item.id === openId}
              userId={workspace.userId}
              team={team}
            />
          ))}
          <li ref={sentinel} class="conversation-list__end" aria-hidden={!state.hasMore}>
            {state.hasMore && (
              <button
                type="button"
                class="button button--ghost button--block"
                data-testid="load-more"
                disabled={state.loadingMore}
                onClick={() => void workspace.inbox.loadMore()}
              >
                {state.loadingMore ? 'Loading…' : 'Load older conversations'}
              </button>
            )}
          </li>
        </ul>
        {!state.loading && state.items.length === 0 && !state.hasMore && (
          <div data-testid="inbox-empty" class="empty-state empty-state--small">
            <Icon name="inbox" size={28} />
            <p>{filtersAreDefault(filters) ? 'No open conversations. Nice work!' : 'No conversations match these filters.'}</p>
          </div>
        )}
      </div>
    </section>
  )
}

/** Searches as the agent types, a moment after they pause. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (value: string) => void }) {
  const [text, setText] = useState(value)
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => setText(value), [value])
  useEffect(() => {
    if (text === value) return
    const timer = setTimeout(() => onSearch(text), 250)
    return () => clearTimeout(timer)
  }, [text])
  // "/" jumps to the search box from anywhere that is not a text field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement
      if (event.key !== '/' || target.closest('input, textarea, select, [contenteditable]')) return
      event.preventDefault()
      input.current?.focus()
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  }, [])
  return (
    <div class="search">
      <Icon name="search" size={16} />
      <label for="inbox-search" class="visually-hidden">
        Search by customer name or phone
      </label>
      <input
        ref={input}
        id="inbox-search"
        data-testid="inbox-search"
        type="search"
        placeholder="Search name or phone  ( / )"
        value={text}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onSearch(text)
        }}
      />
    </div>
  )
}

function SkeletonCards() {
  return (
    <div class="skeletons" data-testid="inbox-loading" role="status">
      <span class="visually-hidden">Loading conversations…</span>
      {[0, 1, 2, 3, 4].map((i) => (
        <div key={i} class="skeleton-card" aria-hidden="true">
          <span class="skeleton skeleton--avatar" />
          <span class="skeleton skeleton--line" />
          <span class="skeleton skeleton--line skeleton--short" />
        </div>
      ))}
    </div>
  )
}
