import { useEffect, useMemo, useState } from 'preact/hooks'
import { formatDateTime } from '../format'
import type { Workspace } from '../models/workspace'
import { errorText, notify } from '../toasts'
import type { MemberRole } from '../types'
import './team.css'
import { grantableRoles, mayManage, type Invitation, type Team, TeamApi, type TeamMemberRow } from './api'

/** The store's team: members with role and last activity, invitations by e-mail. Owners manage anyone,
 * admins agents only; agents see the team and change nothing (the API holds the same rules). */
export function TeamPage({ workspace, userId }: { workspace: Workspace; userId: string }) {
  const api = useMemo(() => new TeamApi(workspace.api, workspace.membership.store_id), [workspace])
  const myRole = workspace.membership.role
  const [team, setTeam] = useState<Team | null>(null)
  const [error, setError] = useState<string | null>(null)

  const reload = async () => {
    try {
      setTeam(await api.team())
      setError(null)
    } catch (failure) {
      setError(`Could not load the team: ${errorText(failure)}`)
    }
  }
  useEffect(() => void reload(), [api])

  /** Runs a change, says how it went and reloads the team. */
  const act = async (what: string, change: () => Promise<unknown>): Promise<boolean> => {
    try {
      await change()
      notify('success', what)
      await reload()
      return true
    } catch (failure) {
      notify('error', errorText(failure))
      return false
    }
  }

  return (
    <main class="team" data-testid="team-page" aria-labelledby="team-heading">
      <header class="team__head">
        <h1 id="team-heading">Team</h1>
        <p class="muted">
          {myRole === 'agent'
            ? 'Who works this store. Owners and admins manage the team.'
            : myRole === 'admin'
              ? 'Invite agents, and remove them. Owners manage owners and admins.'
              : 'Invite people by e-mail, change roles, remove members. A store always keeps an owner.'}
        </p>
      </header>
      {error && (
        <p class="alert" role="alert" data-testid="team-error">
          {error}
        </p>
      )}
      {myRole !== 'agent' && <InviteForm roles={grantableRoles(myRole)} onInvite={(email, role) =>
        act(`Invitation sent to ${email}`, async () => {
          const result = await api.invite(email, role)
          if (result.status === 'added') notify('success', `${email} already uses Sapa and was added`)
        })} />}
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {team === null && !error && <p class="muted">Loading the team…</p>}
        <table class="team__table" data-testid="team-members">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Last active</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {team?.members.map((member) => (
              <MemberRow
                key={member.user_id}
                member={member}
                myRole={myRole}
                isMe={member.user_id === userId}
                onRole={(role) => act(`${member.email ?? 'The member'} is now ${role}`, () => api.changeRole(member.user_id, role))}
                onRemove={() =>
                  act(`${member.email ?? 'The member'} was removed; their open conversations are unassigned`, () =>
                    api.remove(member.user_id),
                  )
                }
              />
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="invitations-heading">
        <h2 id="invitations-heading">Pending invitations</h2>
        {team?.invitations.length === 0 && (
          <p class="muted" data-testid="team-no-invitations">
            No pending invitations.
          </p>
        )}
        <ul class="team__invitations" data-testid="team-invitations">
          {team?.invitations.map((invitation) => (
            <InvitationRow
              key={invitation.id}
              invitation={invitation}
              canManage={mayManage(myRole, invitation.role)}
              onResend={() => act(`Invitation sent again to ${invitation.email}`, () => api.resend(invitation.id))}
              onRevoke={() => act(`Invitation to ${invitation.email} revoked`, () => api.revoke(invitation.id))}
            />
          ))}
        </ul>
      </section>
    </main>
  )
}

function InviteForm({ roles, onInvite }: { roles: MemberRole[]; onInvite: (email: string, role: MemberRole) => Promise<boolean> }) {
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<MemberRole>('agent')
  const [busy, setBusy] = useState(false)
  return (
    <form
      class="team__invite"
      data-testid="team-invite-form"
      onSubmit={async (event) => {
        event.preventDefault()
        setBusy(true)
        if (await onInvite(email.trim(), role)) setEmail('')
        setBusy(false)
      }}
    >
      <label for="invite-email">Invite by e-mail</label>
      <input
        id="invite-email"
        data-testid="team-invite-email"
        type="email"
        required
        value={email}
        onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
        placeholder="name@example.com"
      />
      <label for="invite-role" class="visually-hidden">
        Role
      </label>
      <select id="invite-role" data-testid="team-invite-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as MemberRole)}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="submit" class="button button--primary" data-testid="team-invite-submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send invitation'}
      </button>
    </form>
  )
}

interface MemberRowProps {
  member: TeamMemberRow
  myRole: MemberRole
  isMe: boolean
  onRole: (role: MemberRole) => Promise<boolean>
  onRemove: () => Promise<boolean>
}

function MemberRow({ member, myRole, isMe, onRole, onRemove }: MemberRowProps) {
  const [confirming, setConfirming] = useState(false)
  const canManage = mayManage(myRole, member.role)
  const roles = grantableRoles(myRole)
  return (
    <tr data-testid="team-member" data-email={member.email ?? ''} data-role={member.role}>
      <td>
        <span class="team__name">{member.full_name ?? member.email ?? member.user_id}</span>
        {member.full_name && <span class="muted"> {member.email}</span>}
        {isMe && <span class="muted"> (you)</span>}
      </td>
      <td>
        {canManage && roles.length > 1 ? (
          <select
            aria-label={`Role of ${member.email ?? 'member'}`}
            data-testid="team-member-role"
            value={member.role}
            onChange={(e) => void onRole((e.target as HTMLSelectElement).value as MemberRole)}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        ) : (
          <span class="topbar__role" data-testid="team-member-role-text">{member.role}</span>
        )}
      </td>
      <td class="muted">{member.last_active_at ? formatDateTime(member.last_active_at) : 'never signed in'}</td>
      <td>
        <div class="team__actions">
        {(canManage || isMe) &&
          (confirming ? (
            <>
              <span>{isMe ? 'Leave this store?' : 'Remove? Their open conversations become unassigned.'}</span>
              <button type="button" class="button button--small button--danger" data-testid="team-member-remove-confirm"
                onClick={() => void onRemove().then(() => setConfirming(false))}>
                {isMe ? 'Leave' : 'Remove'}
              </button>
              <button type="button" class="button button--small button--ghost" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" class="button button--small button--ghost" data-testid="team-member-remove" onClick={() => setConfirming(true)}>
              {isMe ? 'Leave…' : 'Remove…'}
            </button>
          ))}
        </div>
      </td>
    </tr>
  )
}

interface InvitationRowProps {
  invitation: Invitation
  canManage: boolean
  onResend: () => Promise<boolean>
  onRevoke: () => Promise<boolean>
}

function InvitationRow({ invitation, canManage, onResend, onRevoke }: InvitationRowProps) {
  return (
    <li class="team__invitation" data-testid="team-invitation" data-email={invitation.email}>
      <span class="team__name">{invitation.email}</span>
      <span class="topbar__role">{invitation.role}</span>
      <span class="muted">
        {invitation.expired ? 'expired' : `sent ${formatDateTime(invitation.sent_at)}`}
        {invitation.send_count > 1 ? ` (${invitation.send_count}×)` : ''}
      </span>
      {canManage && (
        <span class="team__actions">
          <button type="button" class="button button--small" data-testid="team-invitation-resend" onClick={() => void onResend()}>
            Resend
          </button>
          <button type="button" class="button button--small button--ghost" data-testid="team-invitation-revoke" onClick={() => void onRevoke()}>
            Revoke
          </button>
        </span>
      )}
    </li>
  )
}
