import { humanize } from '../format'
import type { TeamMember } from '../types'

/** How a team member is called in the UI: "You", their name or email when known, else their role. */
export function memberLabel(userId: string, me: string, team: readonly TeamMember[]): string {
  if (userId === me) return 'You'
  const member = team.find((m) => m.user_id === userId)
  if (!member) return 'Someone else'
  if (member.name) return member.name
  if (member.email) return member.email
  const sameRole = team.filter((m) => m.role === member.role && m.user_id !== me)
  const suffix = sameRole.length > 1 ? ` ${sameRole.indexOf(member) + 1}` : ''
  return `${humanize(member.role)}${suffix}`
}
