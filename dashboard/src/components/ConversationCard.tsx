import { conversationLabels, messagePreviewText } from '../conversation'
import { formatDateTime, formatListTime, initials } from '../format'
import type { ConversationItem, TeamMember } from '../types'
import { LabelBadges, StatusBadge, WaitingBadge } from './Badges'
import { memberLabel } from './members'
import { conversationHref } from '../routes'

const SENDER_PREFIX: Record<string, string> = { bot: 'Bot: ', agent: 'Agent: ', system: '' }

interface Props {
  item: ConversationItem
  now: number
  selected: boolean
  userId: string
  team: TeamMember[]
}

export function ConversationCard({ item, now, selected, userId, team }: Props) {
  const customer = item.customer
  const name = customer?.name || customer?.phone || 'Unknown customer'
  const lastAt = item.last?.created_at ?? item.last_message_at
  const prefix = item.last && item.last.direction === 'outbound' ? (SENDER_PREFIX[item.last.sender] ?? '') : ''
  const summary = summaryLine(item)
  const assignee = item.assignee_id ? memberLabel(item.assignee_id, userId, team) : null
  return (
    <li data-testid="conversation-card" data-conversation-id={item.id} data-status={item.status}>
      <a
        href={conversationHref(item.id)}
        class={`card ${selected ? 'is-selected' : ''} ${item.status === 'resolved' ? 'card--resolved' : ''}`}
        aria-current={selected ? 'true' : undefined}
      >
        <span class={`avatar avatar--${item.status}`} aria-hidden="true">
          {initials(customer?.name, customer?.phone)}
        </span>
        <span class="card__body">
          <span class="card__row">
            <span data-testid="customer-name" class="card__name">
              {name}
            </span>
            <time
              data-testid="last-message-at"
              class="card__time"
              dateTime={lastAt ?? undefined}
              title={formatDateTime(lastAt)}
            >
              {formatListTime(lastAt, new Date(now))}
            </time>
          </span>
          <span class="card__row card__row--meta">
            <span data-testid="customer-phone" class="card__phone">
              {customer?.phone ?? ''}
            </span>
            <StatusBadge status={item.status} />
          </span>
          <span class="card__message">
            {prefix && <span class="card__sender">{prefix}</span>}
            <span data-testid="last-message">{messagePreviewText(item.last)}</span>
          </span>
          {summary && (
            <span data-testid="card-summary" class="card__summary">
              {summary}
            </span>
          )}
          <span class="card__row card__row--tags">
            <LabelBadges labels={conversationLabels(item)} />
            <WaitingBadge item={item} now={now} />
            {assignee && (
              <span class="card__assignee" data-testid="card-assignee" title="Assigned to">
                → {assignee}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  )
}

/** The summary's gist for a card: what the customer wants, the order, the mood. */
function summaryLine(item: ConversationItem): string | null {
  const data = item.summary_data
  const parts: string[] = []
  if (data?.want) parts.push(data.want)
  else if (item.summary) parts.push(item.summary)
  if (data?.order_number && !parts.join(' ').includes(data.order_number)) parts.push(`Order #${data.order_number.replace(/^#/, '')}`)
  if (data?.sentiment) parts.push(data.sentiment)
  return parts.length > 0 ? parts.join(' · ') : null
}
