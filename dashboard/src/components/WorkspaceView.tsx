import { useEffect, useState } from 'preact/hooks'
import { CustomerProfile } from '../customers/CustomerProfile'
import { CustomersPage } from '../customers/CustomersPage'
import { AuditPage } from '../audit/AuditPage'
import { BroadcastsRoute, SegmentsRoute } from '../broadcasts/BroadcastsPages'
import { KnowledgePage } from '../knowledge/KnowledgePage'
import { KpiRoute } from '../kpi/KpiRoute'
import { AssistantSettingsPage } from '../settings/AssistantSettingsPage'
import { NotificationsPage } from '../settings/NotificationsPage'
import { StoreSettingsPage } from '../settings/StoreSettingsPage'
import type { ConversationModel } from '../models/conversation'
import type { Workspace } from '../models/workspace'
import type { ChannelStatus } from '../realtime'
import { conversationIdFromHash, customerIdFromHash, pageFromHash, type Page } from '../routes'
import { Store, useStore } from '../store'
import { TeamPage } from '../team/TeamPage'
import type { StoreMembership } from '../types'
import { ConversationPane } from './ConversationPane'
import { Icon } from './Icon'
import { InboxPane } from './InboxPane'
import { Logo } from './Logo'
import { QueueOverview } from './QueueOverview'
import { TopNav } from './TopNav'

interface Props {
  workspace: Workspace | null
  memberships: StoreMembership[]
  email: string
  error: string | null
  onSwitchStore: (storeId: string) => void
  onSignOut: () => void
}

export function WorkspaceView({ workspace, memberships, email, error, onSwitchStore, onSignOut }: Props) {
  const open = useStore(workspace?.open ?? EMPTY_OPEN)
  const [page, setPage] = useState<Page>(() => pageFromHash(location.hash))
  const [customerId, setCustomerId] = useState<string | null>(() => customerIdFromHash(location.hash))

  useEffect(() => {
    if (!workspace) return
    const follow = () => {
      setPage(pageFromHash(location.hash))
      setCustomerId(customerIdFromHash(location.hash))
      workspace.select(conversationIdFromHash(location.hash))
    }
    follow()
    addEventListener('hashchange', follow)
    return () => removeEventListener('hashchange', follow)
  }, [workspace])

  const current = workspace?.membership ?? memberships[0] ?? null
  return (
    <div data-testid="inbox-view" class="app">
      <header class="topbar">
        <div class="topbar__brand">
          <Logo size={26} />
          <span class="topbar__title">Sapa</span>
        </div>
        {memberships.length > 1 ? (
          <label class="topbar__store-select" data-testid="store-select-label">
            <span class="visually-hidden">Store</span>
            <select
              data-testid="store-select"
              value={current?.store_id ?? ''}
              onChange={(e) => onSwitchStore((e.target as HTMLSelectElement).value)}
            >
              {memberships.map((m) => (
                <option key={m.store_id} value={m.store_id}>
                  {m.stores?.name ?? m.store_id} ({m.role})
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span data-testid="store-name" class="topbar__store">
            {current?.stores?.name ?? ''}
          </span>
        )}
        {workspace && <LiveIndicator workspace={workspace} />}
        <TopNav page={page} role={current?.role ?? 'agent'} />
        <span class="topbar__spacer" />
        <span class="topbar__user">
          <span data-testid="signed-in-as">{email}</span>
          {current && <span class="topbar__role">{current.role}</span>}
        </span>
        <button type="button" class="button button--ghost" data-testid="sign-out" onClick={onSignOut}>
          <Icon name="logout" size={16} />
          <span class="sign-out__text">Sign out</span>
        </button>
      </header>
      {error && (
        <p data-testid="inbox-error" class="alert alert--page" role="alert">
          {error}
        </p>
      )}
      {workspace && page === 'knowledge' && <KnowledgePage workspace={workspace} />}
      {workspace && page === 'kpis' && workspace.membership.role !== 'agent' && <KpiRoute workspace={workspace} />}
      {workspace && page === 'kpis' && workspace.membership.role === 'agent' && (
        <p class="alert alert--page" role="alert" data-testid="kpi-forbidden">
          KPIs and insights are for the store’s owners and admins.
        </p>
      )}
      {workspace && page === 'customers' && !customerId && <CustomersPage workspace={workspace} />}
      {workspace && page === 'customers' && customerId && (
        <CustomerProfile key={customerId} workspace={workspace} customerId={customerId} />
      )}
      {workspace && page === 'audit' && <AuditPage workspace={workspace} />}
      {workspace && page === 'assistant-settings' && <AssistantSettingsPage key={workspace.storeId} workspace={workspace} />}
      {workspace && page === 'store-settings' && <StoreSettingsPage key={workspace.storeId} workspace={workspace} />}
      {workspace && page === 'notification-settings' && <NotificationsPage key={workspace.storeId} workspace={workspace} />}
      {workspace && page === 'team' && <TeamPage workspace={workspace} userId={workspace.userId} />}
      {workspace && page === 'segments' && <SegmentsRoute workspace={workspace} />}
      {workspace && page === 'broadcasts' && <BroadcastsRoute workspace={workspace} />}
      {workspace && page === 'inbox' && (
        <div class={`panes ${open ? 'panes--conversation' : 'panes--list'}`}>
          <InboxPane workspace={workspace} openId={open?.conversationId ?? null} />
          {open ? (
            <ConversationPane key={open.conversationId} workspace={workspace} model={open} />
          ) : (
            <QueueOverview workspace={workspace} />
          )}
        </div>
      )}
    </div>
  )
}

/** Before the workspace exists nothing is open. */
const EMPTY_OPEN = new Store<ConversationModel | null>(null)

const LIVE_LABELS: Record<ChannelStatus, string> = {
  CONNECTING: 'Connecting…',
  SUBSCRIBED: 'Live',
  TIMED_OUT: 'Reconnecting…',
  CLOSED: 'Offline',
  CHANNEL_ERROR: 'Live updates unavailable',
}

function LiveIndicator({ workspace }: { workspace: Workspace }) {
  const { status, error } = useStore(workspace.realtime)
  return (
    <span
      class={`live live--${status === 'SUBSCRIBED' ? 'on' : status === 'CONNECTING' ? 'pending' : 'off'}`}
      data-testid="realtime-status"
      data-state={status}
      title={error ?? (status === 'SUBSCRIBED' ? 'New messages appear without reloading' : '')}
    >
      <span class="live__dot" aria-hidden="true" />
      {LIVE_LABELS[status]}
    </span>
  )
}
