import { serviceWindow, waitingSince } from '../conversation'
import { CATEGORY_LABELS, formatDateTime, formatDuration, statusLabel, URGENCY_LABELS } from '../format'
import type { ConversationItem, ConversationStatus, IssueCategory, Labels, Urgency } from '../types'
import { Icon } from './Icon'

export function StatusBadge({ status }: { status: ConversationStatus }) {
  const icon = status === 'bot' ? 'bot' : status === 'human' ? 'user' : 'check'
  return (
    <span data-testid="status-badge" class={`badge badge--status badge--${status}`} data-status={status}>
      <Icon name={icon} size={12} />
      {statusLabel(status)}
    </span>
  )
}

const UNSURE_TITLE = 'The classifier was unsure of this label: check it'

export function CategoryBadge({ category, unsure = false }: { category: IssueCategory; unsure?: boolean }) {
  return (
    <span
      data-testid="category-badge"
      data-unsure={unsure ? 'true' : undefined}
      class={`badge badge--category badge--cat-${category}${unsure ? ' badge--unsure' : ''}`}
      title={unsure ? `Category · ${UNSURE_TITLE}` : 'Category'}
    >
      {CATEGORY_LABELS[category] ?? category}
    </span>
  )
}

export function UrgencyBadge({ urgency, unsure = false }: { urgency: Urgency; unsure?: boolean }) {
  return (
    <span
      data-testid="urgency-badge"
      data-unsure={unsure ? 'true' : undefined}
      class={`badge badge--urgency badge--urg-${urgency}${unsure ? ' badge--unsure' : ''}`}
      title={unsure ? `Urgency · ${UNSURE_TITLE}` : 'Urgency'}
    >
      <span class="badge__dot" aria-hidden="true" />
      {URGENCY_LABELS[urgency] ?? urgency}
      <span class="visually-hidden"> urgency</span>
    </span>
  )
}

/** The conversation's label (its most urgent issue); an unsure one is drawn dashed and says so. */
export function LabelBadges({ labels }: { labels: Labels | null }) {
  if (!labels) return null
  return (
    <>
      {labels.category && <CategoryBadge category={labels.category} unsure={labels.unsure} />}
      {labels.urgency && <UrgencyBadge urgency={labels.urgency} unsure={labels.unsure} />}
      {labels.unsure && (
        <span data-testid="label-unsure" class="label-unsure" title={UNSURE_TITLE}>
          unsure
        </span>
      )}
    </>
  )
}

/** "Waiting 14m": how long the customer has waited for the shop; amber after 5 minutes, red after 30. */
export function WaitingBadge({ item, now }: { item: ConversationItem; now: number }) {
  const since = waitingSince(item)
  if (!since) return null
  const waited = now - Date.parse(since)
  if (!Number.isFinite(waited)) return null
  const level = waited >= 30 * 60_000 ? 'long' : waited >= 5 * 60_000 ? 'medium' : 'short'
  return (
    <span data-testid="waiting" class={`waiting waiting--${level}`} title={`Waiting since ${formatDateTime(since)}`}>
      <Icon name="clock" size={12} />
      Waiting {formatDuration(waited)}
    </span>
  )
}

/** The 24-hour WhatsApp window: time left, or closed (templates only). */
export function WindowBadge({ lastInboundAt, now }: { lastInboundAt: string | null; now: number }) {
  const window = serviceWindow(lastInboundAt, now)
  if (window.open) {
    const urgent = window.remainingMs < 2 * 60 * 60_000
    return (
      <span
        data-testid="service-window"
        data-open="true"
        class={`window-badge ${urgent ? 'window-badge--closing' : 'window-badge--open'}`}
        title={`Free-form replies allowed until ${formatDateTime(new Date(window.closesAt).toISOString())}`}
      >
        <Icon name="clock" size={12} />
        24h window: {formatDuration(window.remainingMs)} left
      </span>
    )
  }
  return (
    <span
      data-testid="service-window"
      data-open="false"
      class="window-badge window-badge--closed"
      title="WhatsApp only allows approved templates until the customer writes again"
    >
      <Icon name="lock" size={12} />
      24h window closed{window.closedForMs !== null ? ` ${formatDuration(window.closedForMs)} ago` : ''}
    </span>
  )
}
