/** The Team page's calls to `/api/stores/{store_id}/…` (team, invitations, members). */
import type { SapaApi } from '../api'
import type { MemberRole } from '../types'

export interface TeamMemberRow {
  user_id: string
  role: MemberRole
  email: string | null
  full_name: string | null
  joined_at: string
  last_sign_in_at: string | null
  last_active_at: string | null
}

export interface Invitation {
  id: string
  email: string
  role: MemberRole
  sent_at: string
  send_count: number
  expires_at: string
  expired: boolean
}

export interface Team {
  members: TeamMemberRow[]
  invitations: Invitation[]
}

export interface InviteResult {
  status: 'invited' | 'added'
  email: string
}

export const ROLES: readonly MemberRole[] = ['owner', 'admin', 'agent']

export class TeamApi {
  constructor(
    private readonly api: SapaApi,
    private readonly storeId: string,
  ) {}

  async team(): Promise<Team> {
    const body = (await this.api.request('GET', this.storeId, 'team')) as Partial<Team> | null
    return { members: body?.members ?? [], invitations: body?.invitations ?? [] }
  }

  async invite(email: string, role: MemberRole): Promise<InviteResult> {
    return (await this.api.request('POST', this.storeId, 'invitations', { email, role })) as InviteResult
  }

  async resend(invitationId: string): Promise<void> {
    await this.api.request('POST', this.storeId, `invitations/${invitationId}/resend`)
  }

  async revoke(invitationId: string): Promise<void> {
    await this.api.request('DELETE', this.storeId, `invitations/${invitationId}`)
  }

  async changeRole(userId: string, role: MemberRole): Promise<void> {
    await this.api.request('PATCH', this.storeId, `members/${userId}`, { role })
  }

  /** Their open conversations and tickets become unassigned (counted in the audit log). */
  async remove(userId: string): Promise<void> {
    await this.api.request('DELETE', this.storeId, `members/${userId}`)
  }
}

/** What the signed-in member may do to a member in this role: owners anything, admins agents only, agents nothing. */
export function mayManage(myRole: MemberRole, theirRole: MemberRole): boolean {
  return myRole === 'owner' || (myRole === 'admin' && theirRole === 'agent')
}

/** The roles the signed-in member may give. */
export function grantableRoles(myRole: MemberRole): MemberRole[] {
  return ROLES.filter((role) => mayManage(myRole, role))
}
