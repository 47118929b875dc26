import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { initials } from '../format'
import type { ConversationModel } from '../models/conversation'
import type { Workspace } from '../models/workspace'
import { useNow, useStore } from '../store'
import { errorText, notify } from '../toasts'
import type { ConversationItem, MemberRole, TeamMember } from '../types'
import { StatusBadge, WindowBadge } from './Badges'
import { Composer } from './Composer'
import { assigneeOptions, ContextPanel } from './ContextPanel'
import { CustomerPrivacy } from './CustomerPrivacy'
import { Icon } from './Icon'
import { memberLabel } from './members'
import { KeptMedia, Thread } from './Thread'

export function ConversationPane({ workspace, model }: { workspace: Workspace; model: ConversationModel }) {
  const state = useStore(model.state)
  const team = useStore(workspace.team)
  const now = useNow(30_000)
  const heading = useRef<HTMLHeadingElement>(null)
  const [detailsOpen, setDetailsOpen] = useState(false)

  // Focus moves to the conversation when it opens, so keyboard and screen-reader users land in it.
  useEffect(() => {
    if (state.item) heading.current?.focus({ preventScroll: true })
  }, [state.item?.id])

  if (state.loading && !state.item) {
    return (
      <section class="pane pane--conversation" aria-busy="true" aria-label="Conversation">
        <p class="pane__status" role="status">
          Loading the conversation…
        </p>
      </section>
    )
  }
  if (state.notFound || !state.item) {
    return (
      <section class="pane pane--conversation" aria-label="Conversation" data-testid="conversation-missing">
        <BackLink />
        <div class="empty-state">
          <Icon name="alert" size={32} />
          <h2>Conversation not found</h2>
          <p>{state.error ?? 'It does not exist, or it belongs to a store you do not work in.'}</p>
        </div>
      </section>
    )
  }

  const item = state.item
  const name = item.customer?.name || item.customer?.phone || 'Unknown customer'
  return (
    <section
      class="pane pane--conversation"
      aria-labelledby="conversation-title"
      data-testid="conversation-view"
      data-conversation-id={item.id}
      data-status={item.status}
    >
      <header class="conv-head">
        <BackLink />
        <span class={`avatar avatar--lg avatar--${item.status}`} aria-hidden="true">
          {initials(item.customer?.name, item.customer?.phone)}
        </span>
        <div class="conv-head__who">
          <h2 id="conversation-title" ref={heading} tabIndex={-1} data-testid="conversation-title">
            {name}
          </h2>
          <p class="conv-head__meta">
            <span data-testid="conversation-phone">{item.customer?.phone}</span>
            <StatusBadge status={item.status} />
            {item.status !== 'resolved' && <WindowBadge lastInboundAt={item.last_inbound_at} now={now} />}
          </p>
        </div>
        <Actions model={model} item={item} userId={workspace.userId} role={workspace.membership.role} team={team}>
          <button
            type="button"
            class="button details-toggle"
            aria-expanded={detailsOpen}
            aria-controls="conversation-details"
            onClick={() => setDetailsOpen(!detailsOpen)}
          >
            <Icon name="package" size={15} />
            Details
          </button>
        </Actions>
      </header>
      {state.error && (
        <p class="alert" role="alert">
          {state.error}
        </p>
      )}
      <div class="conv-body">
        <div class="conv-main">
          <KeptMedia.Provider value={(messageId, index) => workspace.api.mediaLink(workspace.storeId, messageId, index)}>
            <Thread
              messages={state.messages}
              notes={state.notes}
              customerName={name}
              userId={workspace.userId}
              team={team}
            />
          </KeptMedia.Provider>
          <Composer
            workspace={workspace}
            model={model}
            item={item}
            now={now}
            notesAvailable={state.notesError === null}
          />
        </div>
        <ContextPanel
          open={detailsOpen}
          onClose={() => setDetailsOpen(false)}
          model={model}
          state={state}
          item={item}
          currency={workspace.currency}
          userId={workspace.userId}
          team={team}
          client={workspace.client}
          customerActions={<CustomerPrivacy key={item.customer_id} workspace={workspace} customerId={item.customer_id} />}
        />
      </div>
    </section>
  )
}

function BackLink() {
  return (
    <a href="#" class="back-link" data-testid="back-to-list">
      <Icon name="back" size={18} />
      <span class="back-link__text">Conversations</span>
    </a>
  )
}

interface ActionsProps {
  model: ConversationModel
  item: ConversationItem
  userId: string
  role: MemberRole
  team: TeamMember[]
  /** More controls at the end of the group (the details toggle on narrow screens). */
  children?: ComponentChildren
}

/** Take over, hand back, resolve and assign: each one API call, confirmed or explained in a toast. */
function Actions({ model, item, userId, role, team, children }: ActionsProps) {
  const [busy, setBusy] = useState<string | null>(null)
  const run = async (name: string, action: () => Promise<void>, done: string) => {
    setBusy(name)
    try {
      await action()
      notify('success', done)
    } catch (error) {
      notify('error', `${name} failed: ${errorText(error)}`)
    } finally {
      setBusy(null)
    }
  }
  const resolved = item.status === 'resolved'
  const mine = item.assignee_id === userId
  const canTakeOver = !resolved && (item.status === 'bot' || !mine)
  // Agents may take a conversation themselves or let go of their own; owners and admins assign anyone.
  const mayAssignOthers = role !== 'agent'
  const options = assigneeOptions(team, userId).filter(
    (m) => mayAssignOthers || m.user_id === userId || m.user_id === item.assignee_id,
  )
  const mayUnassign = mayAssignOthers || item.assignee_id === null || mine
  const assigneeKnown = item.assignee_id === null || options.some((m) => m.user_id === item.assignee_id)

  return (
    <div class="conv-actions" role="group" aria-label="Conversation actions">
      <div class="assign">
        <label for="assignee-select" class="assign__label">
          Assignee
        </label>
        <select
          id="assignee-select"
          data-testid="assignee-select"
          value={item.assignee_id ?? ''}
          disabled={busy !== null || resolved}
          onChange={(e) => {
            const value = (e.target as HTMLSelectElement).value || null
            const label = value ? memberLabel(value, userId, team) : 'nobody'
            void run('Assign', () => model.assign(value), `Assigned to ${label === 'You' ? 'you' : label}`)
          }}
        >
          <option value="" disabled={!mayUnassign}>
            Unassigned
          </option>
          {!assigneeKnown && item.assignee_id && <option value={item.assignee_id}>Someone else</option>}
          {options.map((m) => (
            <option key={m.user_id} value={m.user_id} disabled={!mayAssignOthers && m.user_id !== userId}>
              {memberLabel(m.user_id, userId, team)}
            </option>
          ))}
        </select>
      </div>
      {canTakeOver && (
        <button
          type="button"
          class="button button--primary"
          data-testid="take-over"
          disabled={busy !== null}
          onClick={() => void run('Take over', () => model.takeOver(), 'You took over the conversation')}
        >
          <Icon name="takeOver" size={15} />
          {busy === 'Take over' ? 'Taking over…' : 'Take over'}
        </button>
      )}
      {item.status === 'human' && (
        <button
          type="button"
          class="button"
          data-testid="hand-back"
          disabled={busy !== null}
          onClick={() => void run('Hand back', () => model.handBack(), 'Handed back to the bot')}
        >
          <Icon name="handBack" size={15} />
          {busy === 'Hand back' ? 'Handing back…' : 'Hand back to bot'}
        </button>
      )}
      {!resolved && (
        <button
          type="button"
          class="button button--success"
          data-testid="resolve"
          disabled={busy !== null}
          onClick={() => void run('Resolve', () => model.resolve(), 'Conversation resolved')}
        >
          <Icon name="checkCircle" size={15} />
          {busy === 'Resolve' ? 'Resolving…' : 'Resolve'}
        </button>
      )}
      {children}
    </div>
  )
}
