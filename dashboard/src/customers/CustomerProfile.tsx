import { useEffect, useState } from 'preact/hooks'
import { CustomerPrivacy } from '../components/CustomerPrivacy'
import { memberLabel } from '../components/members'
import { formatDate, formatDateTime, formatMoney, humanize } from '../format'
import type { Workspace } from '../models/workspace'
import { conversationHref } from '../routes'
import { useStore } from '../store'
import { errorText, notify } from '../toasts'
import type { TeamMember } from '../types'
import { CONSENT_LABELS } from './CustomersPage'
import { fetchProfile, setMarketingConsent, type CustomerProfile as Profile } from './data'
import { LabelsAndNotes } from './LabelsAndNotes'
import './customers.css'

const SOURCE_LABELS: Record<string, string> = {
  checkout: 'at checkout',
  whatsapp_stop: 'by WhatsApp (STOP)',
  whatsapp_start: 'by WhatsApp (START)',
  import: 'by a CSV import',
  agent: 'as the team recorded it',
  system: 'by Sapa',
}

/** #/customers/<id>: one customer's contact details, figures, orders, conversations, consent, labels, notes. */
export function CustomerProfile({ workspace, customerId }: { workspace: Workspace; customerId: string }) {
  const team = useStore(workspace.team)
  const [profile, setProfile] = useState<Profile | null | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)

  const load = () => {
    fetchProfile(workspace.client, customerId).then(
      (read) => (setProfile(read), setError(null)),
      (e: unknown) => setError(errorText(e)),
    )
  }
  useEffect(load, [workspace, customerId])

  if (error)
    return (
      <p class="alert alert--page" role="alert">
        {error}
      </p>
    )
  if (profile === undefined) return <p class="splash">Loading…</p>
  if (profile === null)
    return (
      <p class="alert alert--page" role="alert" data-testid="customer-not-found">
        No such customer in this store.
      </p>
    )
  const c = profile.customer
  const currency = workspace.currency
  return (
    <main class="customers customer-profile" data-testid="customer-profile">
      <a href="#/customers" class="back-link">
        ← Customers
      </a>
      <header class="customers__header">
        <h1 data-testid="customer-name">{c.name || c.phone || 'Unnamed customer'}</h1>
        <span class={`consent consent--${c.consent}`} data-testid="customer-consent">
          {CONSENT_LABELS[c.consent]}
        </span>
      </header>
      <div class="customer-profile__grid">
        <section class="profile-card" aria-labelledby="contact-heading">
          <h2 id="contact-heading">Contact</h2>
          <dl class="facts">
            <Fact label="WhatsApp" value={c.phone} />
            <Fact label="Email" value={c.email} />
            <Fact
              label="City"
              value={[profile.place.city, profile.place.province].filter(Boolean).join(', ') || null}
              testid="customer-place"
            />
            <Fact label="First seen" value={formatDateTime(c.first_seen_at)} />
            <Fact label="Last seen" value={formatDateTime(c.last_seen_at)} />
          </dl>
        </section>
        <section class="profile-card" aria-labelledby="value-heading">
          <h2 id="value-heading">Value</h2>
          <dl class="facts">
            <Fact label="Lifetime value" value={formatMoney(c.total_spent, currency)} testid="customer-ltv" />
            <Fact
              label="Average order"
              value={c.average_order_value === null ? '—' : formatMoney(c.average_order_value, currency)}
              testid="customer-aov"
            />
            <Fact label="Orders" value={`${c.orders} (${c.paid_orders} paid)`} testid="customer-order-count" />
            <Fact label="Last order" value={c.last_order_at ? formatDate(c.last_order_at) : '—'} />
          </dl>
        </section>
        <ConsentSection workspace={workspace} profile={profile} team={team} onChange={load} />
        <section class="profile-card" aria-labelledby="crm-heading">
          <h2 id="crm-heading">Labels and notes</h2>
          <LabelsAndNotes
            client={workspace.client}
            storeId={workspace.storeId}
            customerId={c.id}
            userId={workspace.userId}
            team={team}
          />
        </section>
        {workspace.membership.role === 'owner' && (
          <section class="profile-card" aria-labelledby="privacy-heading">
            <h2 id="privacy-heading">Privacy</h2>
            <CustomerPrivacy workspace={workspace} customerId={c.id} />
          </section>
        )}
      </div>
      <section class="profile-card" aria-labelledby="orders-heading" data-testid="customer-orders-list">
        <h2 id="orders-heading">Orders</h2>
        {profile.orders.length === 0 && <p class="muted">No orders.</p>}
        {profile.orders.map((o) => (
          <article key={o.id} class="customer-order" data-testid="customer-order">
            <header>
              <strong>#{o.number}</strong> · {formatDate(o.created_at)} · <span data-testid="customer-order-status">{humanize(o.status)}</span> ·{' '}
              {formatMoney(o.total, o.currency)}
            </header>
            <ul>
              {o.order_items.map((i, index) => (
                <li key={index}>
                  {i.quantity} × {i.products?.name ?? i.name}
                  {i.variation_label ? ` (${i.variation_label})` : ''} — {formatMoney(i.total, o.currency)}
                </li>
              ))}
            </ul>
          </article>
        ))}
      </section>
      <section class="profile-card" aria-labelledby="conversations-heading" data-testid="customer-conversations">
        <h2 id="conversations-heading">Conversations</h2>
        {profile.conversations.length === 0 && <p class="muted">No conversations.</p>}
        <ul class="customer-conversations">
          {profile.conversations.map((v) => (
            <li key={v.id}>
              <a href={conversationHref(v.id)} data-testid="customer-conversation-link">
                {formatDateTime(v.last_message_at ?? v.created_at)} · {humanize(v.status)}
              </a>
              {v.summary && <p class="muted">{v.summary}</p>}
            </li>
          ))}
        </ul>
      </section>
    </main>
  )
}

function Fact({ label, value, testid }: { label: string; value: string | null; testid?: string }) {
  return (
    <div class="facts__row">
      <dt>{label}</dt>
      <dd data-testid={testid}>{value || '—'}</dd>
    </div>
  )
}

function ConsentSection({
  workspace,
  profile,
  team,
  onChange,
}: {
  workspace: Workspace
  profile: Profile
  team: readonly TeamMember[]
  onChange: () => void
}) {
  const c = profile.customer
  const isAdmin = workspace.membership.role !== 'agent'
  const change = async (given: boolean) => {
    try {
      await setMarketingConsent(workspace.client, c.id, given)
      notify('success', given ? 'Consent recorded' : 'Consent withdrawn')
      onChange()
    } catch (e) {
      notify('error', errorText(e))
    }
  }
  return (
    <section class="profile-card" aria-labelledby="consent-heading" data-testid="customer-consent-history">
      <h2 id="consent-heading">Marketing consent</h2>
      <p>
        {c.consent === 'opted_in' && `Gave consent on ${formatDateTime(c.marketing_opt_in_at)}.`}
        {c.consent === 'opted_out' && `Opted out on ${formatDateTime(c.opted_out_at)}: no broadcast reaches them.`}
        {c.consent === 'none' && 'Has not given consent: no broadcast reaches them.'}
      </p>
      <ul class="consent-history">
        {profile.consent.map((e) => (
          <li key={e.id} data-testid="consent-event">
            {formatDateTime(e.occurred_at)}: {e.given ? 'given' : 'withdrawn'} {SOURCE_LABELS[e.source] ?? e.source}
            {e.actor_id ? ` (${memberLabel(e.actor_id, workspace.userId, team)})` : ''}
          </li>
        ))}
      </ul>
      {isAdmin && (
        <div class="crm__form">
          {c.consent === 'opted_in' ? (
            <button type="button" class="button button--ghost" onClick={() => void change(false)}>
              Withdraw consent
            </button>
          ) : c.consent === 'none' ? (
            <button type="button" class="button button--ghost" onClick={() => void change(true)}>
              Record consent given
            </button>
          ) : (
            <span class="muted">Only the customer can opt in again (START on WhatsApp, or at checkout).</span>
          )}
        </div>
      )}
    </section>
  )
}
