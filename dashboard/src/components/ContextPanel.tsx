import type { SupabaseClient } from '@supabase/supabase-js'
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { LabelsAndNotes } from '../customers/LabelsAndNotes'
import { customerHref } from '../routes'
import {
  formatDate,
  formatDateTime,
  formatMoney,
  humanize,
  TICKET_PRIORITY_LABELS,
  TICKET_STATUS_LABELS,
} from '../format'
import type { ConversationModel, ConversationState } from '../models/conversation'
import { errorText, notify } from '../toasts'
import {
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type ConversationItem,
  type Order,
  type OrderItem,
  type TeamMember,
  type TicketPriority,
  type TicketRow,
  type TicketStatus,
} from '../types'
import { conversationLabels } from '../conversation'
import { LabelBadges } from './Badges'
import { Icon } from './Icon'
import { memberLabel } from './members'

interface Props {
  /** On narrow screens the panel is a drawer: whether it is shown. */
  open: boolean
  onClose: () => void
  model: ConversationModel
  state: ConversationState
  item: ConversationItem
  currency: string
  userId: string
  team: TeamMember[]
  /** For the customer's labels and notes, read and written under RLS. */
  client: SupabaseClient
  /** Shown under the customer's facts (the owner's privacy actions). */
  customerActions?: ComponentChildren
}

/** What the agent needs beside the thread: the summary, tickets, the customer and their orders. */
export function ContextPanel({ open, onClose, model, state, item, currency, userId, team, client, customerActions }: Props) {
  return (
    <aside
      id="conversation-details"
      class={`context ${open ? 'is-open' : ''}`}
      aria-label="Conversation details"
      data-testid="context-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose()
      }}
    >
      <button type="button" class="icon-button context__close" onClick={onClose} aria-label="Close details">
        <Icon name="close" size={18} />
      </button>
      <SummarySection item={item} />
      <TicketsSection model={model} tickets={state.tickets} userId={userId} team={team} />
      <OrdersSection
        orders={state.orders}
        error={state.ordersError}
        currency={currency}
        pinnedOrderId={item.pinned_order_id ?? null}
      />
      <CustomerSection item={item} actions={customerActions} />
      <section class="context__section" aria-labelledby="customer-crm-heading">
        <div class="context__heading-row">
          <h3 id="customer-crm-heading">Labels and notes</h3>
          <a href={customerHref(item.customer_id)} data-testid="customer-profile-link">
            Profile
          </a>
        </div>
        <LabelsAndNotes client={client} storeId={item.store_id} customerId={item.customer_id} userId={userId} team={team} />
      </section>
    </aside>
  )
}

function SummarySection({ item }: { item: ConversationItem }) {
  const data = item.summary_data ?? null
  const rows: [string, string | null | undefined][] = [
    ['Wants', data?.want],
    ['Order', data?.order_number ? `#${data.order_number.replace(/^#/, '')}` : null],
    ['Sentiment', data?.sentiment ? humanize(data.sentiment) : null],
    ['Next step', data?.next_step],
  ]
  const shown = rows.filter(([, value]) => value)
  return (
    <section class="context__section" aria-labelledby="summary-heading" data-testid="summary">
      <h3 id="summary-heading">
        <Icon name="sparkle" size={14} /> Summary
      </h3>
      {item.summary || shown.length > 0 ? (
        <>
          {item.summary && (
            <p class="summary__text" data-testid="summary-text">
              {item.summary}
            </p>
          )}
          {shown.length > 0 && (
            <dl class="facts">
              {shown.map(([label, value]) => (
                <div key={label} class="facts__row">
                  <dt>{label}</dt>
                  <dd data-testid={`summary-${label.toLowerCase().replace(' ', '-')}`}>{value}</dd>
                </div>
              ))}
            </dl>
          )}
        </>
      ) : (
        <p class="muted">No summary yet. One is written after a handoff and as the conversation goes on.</p>
      )}
      {conversationLabels(item) && (
        <p class="summary__labels">
          <span class="muted">Most urgent issue:</span>
          <LabelBadges labels={conversationLabels(item)} />
        </p>
      )}
    </section>
  )
}

function TicketsSection({
  model,
  tickets,
  userId,
  team,
}: {
  model: ConversationModel
  tickets: TicketRow[]
  userId: string
  team: TeamMember[]
}) {
  const [formOpen, setFormOpen] = useState(false)
  const open = tickets.filter((t) => t.status !== 'resolved')
  const closed = tickets.filter((t) => t.status === 'resolved')
  return (
    <section class="context__section" aria-labelledby="tickets-heading" data-testid="tickets">
      <div class="context__heading-row">
        <h3 id="tickets-heading">
          <Icon name="ticket" size={14} /> Tickets
        </h3>
        {!formOpen && (
          <button
            type="button"
            class="button button--small"
            data-testid="open-ticket-toggle"
            onClick={() => setFormOpen(true)}
          >
            Open a ticket
          </button>
        )}
      </div>
      {formOpen && <NewTicketForm model={model} team={team} userId={userId} onDone={() => setFormOpen(false)} />}
      {tickets.length === 0 && !formOpen && <p class="muted">No tickets for this conversation.</p>}
      <ul class="tickets">
        {[...open, ...closed].map((ticket) => (
          <TicketItem key={ticket.id} model={model} ticket={ticket} userId={userId} team={team} />
        ))}
      </ul>
    </section>
  )
}

function NewTicketForm({
  model,
  team,
  userId,
  onDone,
}: {
  model: ConversationModel
  team: TeamMember[]
  userId: string
  onDone: () => void
}) {
  const [subject, setSubject] = useState('')
  const [priority, setPriority] = useState<TicketPriority>('normal')
  const [assignee, setAssignee] = useState<string>(userId)
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    if (subject.trim() === '' || busy) return
    setBusy(true)
    try {
      await model.openTicket({ subject: subject.trim(), priority, assignee_id: assignee || null })
      notify('success', 'Ticket opened')
      onDone()
    } catch (error) {
      notify('error', `Ticket not opened: ${errorText(error)}`)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="ticket-form" data-testid="ticket-form" onSubmit={submit}>
      <label for="ticket-subject">Subject</label>
      <input
        id="ticket-subject"
        data-testid="ticket-subject"
        value={subject}
        maxLength={300}
        required
        placeholder="e.g. Refund for damaged batik"
        onInput={(e) => setSubject((e.target as HTMLInputElement).value)}
      />
      <div class="ticket-form__row">
        <div class="ticket-form__field">
          <label for="ticket-priority">Priority</label>
          <select
            id="ticket-priority"
            data-testid="ticket-priority"
            value={priority}
            onChange={(e) => setPriority((e.target as HTMLSelectElement).value as TicketPriority)}
          >
            {TICKET_PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {TICKET_PRIORITY_LABELS[p]}
              </option>
            ))}
          </select>
        </div>
        <div class="ticket-form__field">
          <label for="ticket-assignee">Assignee</label>
          <select
            id="ticket-assignee"
            data-testid="ticket-assignee"
            value={assignee}
            onChange={(e) => setAssignee((e.target as HTMLSelectElement).value)}
          >
            <option value="">Unassigned</option>
            {assigneeOptions(team, userId).map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {memberLabel(m.user_id, userId, team)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="ticket-form__actions">
        <button type="button" class="button button--ghost button--small" onClick={onDone}>
          Cancel
        </button>
        <button
          type="submit"
          class="button button--primary button--small"
          data-testid="create-ticket"
          disabled={busy || subject.trim() === ''}
        >
          {busy ? 'Opening…' : 'Open ticket'}
        </button>
      </div>
    </form>
  )
}

function TicketItem({
  model,
  ticket,
  userId,
  team,
}: {
  model: ConversationModel
  ticket: TicketRow
  userId: string
  team: TeamMember[]
}) {
  const [busy, setBusy] = useState(false)
  const change = async (patch: { status?: TicketStatus; priority?: TicketPriority }, done: string) => {
    setBusy(true)
    try {
      await model.updateTicket(ticket.id, patch)
      notify('success', done)
    } catch (error) {
      notify('error', `Ticket not changed: ${errorText(error)}`)
    } finally {
      setBusy(false)
    }
  }
  const idPrefix = `ticket-${ticket.id}`
  return (
    <li class={`ticket ticket--${ticket.status}`} data-testid="ticket" data-ticket-id={ticket.id} data-status={ticket.status}>
      <p class="ticket__subject">{ticket.subject || 'Ticket'}</p>
      <p class="ticket__meta">
        Opened {formatDateTime(ticket.created_at)}
        {ticket.assignee_id ? ` · ${memberLabel(ticket.assignee_id, userId, team)}` : ' · Unassigned'}
      </p>
      <div class="ticket__controls">
        <label for={`${idPrefix}-status`} class="visually-hidden">
          Ticket status
        </label>
        <select
          id={`${idPrefix}-status`}
          data-testid="ticket-status"
          value={ticket.status}
          disabled={busy}
          onChange={(e) => {
            const status = (e.target as HTMLSelectElement).value as TicketStatus
            void change({ status }, `Ticket ${TICKET_STATUS_LABELS[status].toLowerCase()}`)
          }}
        >
          {TICKET_STATUSES.map((s) => (
            <option key={s} value={s}>
              {TICKET_STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <label for={`${idPrefix}-priority`} class="visually-hidden">
          Ticket priority
        </label>
        <select
          id={`${idPrefix}-priority`}
          data-testid="ticket-priority-select"
          value={ticket.priority}
          disabled={busy}
          onChange={(e) => {
            const priority = (e.target as HTMLSelectElement).value as TicketPriority
            void change({ priority }, `Priority set to ${TICKET_PRIORITY_LABELS[priority].toLowerCase()}`)
          }}
        >
          {TICKET_PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {TICKET_PRIORITY_LABELS[p]}
            </option>
          ))}
        </select>
        {ticket.status !== 'resolved' && (
          <button
            type="button"
            class="button button--small"
            data-testid="resolve-ticket"
            disabled={busy}
            onClick={() => void change({ status: 'resolved' }, 'Ticket resolved')}
          >
            Resolve ticket
          </button>
        )}
      </div>
    </li>
  )
}

function CustomerSection({ item, actions }: { item: ConversationItem; actions?: ComponentChildren }) {
  const customer = item.customer
  return (
    <section class="context__section" aria-labelledby="customer-heading" data-testid="customer">
      <h3 id="customer-heading">
        <Icon name="user" size={14} /> Customer
      </h3>
      <dl class="facts">
        <div class="facts__row">
          <dt>Name</dt>
          <dd>{customer?.name || '—'}</dd>
        </div>
        <div class="facts__row">
          <dt>WhatsApp</dt>
          <dd>{customer?.phone || '—'}</dd>
        </div>
        {customer?.email && (
          <div class="facts__row">
            <dt>Email</dt>
            <dd>{customer.email}</dd>
          </div>
        )}
        {customer?.first_seen_at && (
          <div class="facts__row">
            <dt>Customer since</dt>
            <dd>{formatDate(customer.first_seen_at)}</dd>
          </div>
        )}
      </dl>
      {actions}
    </section>
  )
}

interface OrdersProps {
  orders: Order[] | null
  error: string | null
  currency: string
  /** Shown first and marked: the order of the update or reminder the customer is answering. */
  pinnedOrderId: string | null
}

function OrdersSection({ orders, error, currency, pinnedOrderId }: OrdersProps) {
  const paid = (orders ?? []).filter((o) => o.status === 'processing' || o.status === 'completed')
  const shown = [...(orders ?? [])].sort((a, b) => Number(b.id === pinnedOrderId) - Number(a.id === pinnedOrderId))
  const spent = paid.reduce((sum, o) => sum + Number(o.total), 0)
  return (
    <section class="context__section" aria-labelledby="orders-heading" data-testid="orders">
      <div class="context__heading-row">
        <h3 id="orders-heading">
          <Icon name="package" size={14} /> Orders
        </h3>
        {orders && orders.length > 0 && (
          <span class="muted" data-testid="orders-total">
            {paid.length} paid · {formatMoney(spent, orders[0]?.currency ?? currency)}
          </span>
        )}
      </div>
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      {orders === null && !error && <p class="muted">Loading orders…</p>}
      {orders && orders.length === 0 && !error && <p class="muted">No WooCommerce orders for this customer.</p>}
      <ul class="orders">
        {shown.map((order) => (
          <li
            key={order.id}
            class={`order ${order.id === pinnedOrderId ? 'order--pinned' : ''}`}
            data-testid="order"
            data-pinned={order.id === pinnedOrderId ? 'true' : undefined}
          >
            {order.id === pinnedOrderId && <p class="order__pin">Writing about this order (update sent)</p>}
            <div class="order__head">
              <span class="order__number">#{order.number}</span>
              <span class={`order-status order-status--${order.status}`}>{humanize(order.status)}</span>
              <span class="order__total">{formatMoney(order.total, order.currency)}</span>
            </div>
            <p class="order__date">{formatDate(order.created_at)}</p>
            <ul class="order__items">
              {order.order_items.map((line, i) => (
                <li key={i} data-testid="order-item">
                  {line.quantity} × {lineName(line)}
                </li>
              ))}
            </ul>
            {(order.shipping_method || order.tracking_number) && (
              <p class="order__shipping">
                {order.shipping_method}
                {order.tracking_number && (
                  <>
                    {' · '}
                    <span class="mono">{order.tracking_number}</span>
                  </>
                )}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

/** "Kemeja Batik Truntum — Size: XL" for a variation (its product's name, then what was chosen), else the
 * line's own name. */
export function lineName(line: OrderItem): string {
  if (!line.variation_label) return line.name
  return `${line.products?.name ?? line.name} — ${line.variation_label}`
}

/** The team as an assignee list: me first. */
export function assigneeOptions(team: readonly TeamMember[], userId: string): TeamMember[] {
  const me = team.find((m) => m.user_id === userId)
  const others = team.filter((m) => m.user_id !== userId)
  return me ? [me, ...others] : others
}
