/** Who is signed in (Supabase Auth) and which stores they work in. */
import type { Session, SupabaseClient } from '@supabase/supabase-js'
import type { AuthLink, AuthLinkKind } from '../auth/links'
import { fetchMemberships } from '../data'
import { Store } from '../store'
import type { StoreMembership } from '../types'

export type SessionState =
  | { kind: 'starting' }
  | { kind: 'signed-out'; message: string | null }
  | { kind: 'signed-in'; session: Session; memberships: StoreMembership[]; error: string | null }
  | { kind: 'set-password'; session: Session; link: AuthLinkKind }

export class SessionModel {
  readonly state = new Store<SessionState>({ kind: 'starting' })

  constructor(readonly client: SupabaseClient) {
    client.auth.onAuthStateChange((event, session) => {
      // Runs inside auth-js's lock: defer work that calls back into auth until it is released.
      setTimeout(() => {
        if (event === 'SIGNED_OUT') this.state.set({ kind: 'signed-out', message: null })
        const current = this.state.get()
        if (event === 'TOKEN_REFRESHED' && session && current.kind === 'signed-in') {
          this.state.set({ ...current, session })
        }
      }, 0)
    })
  }

  /** `link`: what an e-mailed link brought (read from the URL before supabase-js consumed it). */
  async start(link: AuthLink = { kind: null, error: null }): Promise<void> {
    const { data, error } = await this.client.auth.getSession()
    if (link.error && !data.session) {
      this.state.set({ kind: 'signed-out', message: link.error })
      return
    }
    if (link.kind && data.session) {
      this.state.set({ kind: 'set-password', session: data.session, link: link.kind })
      return
    }
    if (error || !data.session) {
      this.state.set({
        kind: 'signed-out',
        message: error ? `Your session could not be restored: ${error.message}` : null,
      })
      return
    }
    await this.enter(data.session)
  }

  /** Returns an error message, or null when signed in. */
  async signIn(email: string, password: string): Promise<string | null> {
    const { data, error } = await this.client.auth.signInWithPassword({ email: email.trim(), password })
    if (error) return `Sign-in failed: ${error.message}`
    await this.enter(data.session)
    return null
  }

  /** After an invite or recovery link: the new password, then into the store. An error message, or null. */
  async setPassword(password: string): Promise<string | null> {
    const { error } = await this.client.auth.updateUser({ password })
    if (error) return `The password was not saved: ${error.message}`
    const { data } = await this.client.auth.getSession()
    if (!data.session) return 'Your session has ended: open the link again.'
    await this.enter(data.session)
    return null
  }

  /** Sends a password-reset link (to the local outbox in the local stack). An error message, or null. */
  async sendPasswordReset(email: string, redirectTo: string): Promise<string | null> {
    const { error } = await this.client.auth.resetPasswordForEmail(email.trim(), { redirectTo })
    return error ? `The link was not sent: ${error.message}` : null
  }

  async signOut(): Promise<void> {
    // 'local' drops this browser's session first, so signing out never depends on the network.
    const { error } = await this.client.auth.signOut({ scope: 'local' })
    this.state.set({
      kind: 'signed-out',
      message: error ? `Signed out here, but the server did not confirm: ${error.message}` : null,
    })
  }

  private async enter(session: Session): Promise<void> {
    try {
      const memberships = await fetchMemberships(this.client, session.user.id)
      this.state.set({
        kind: 'signed-in',
        session,
        memberships,
        error: memberships.length === 0 ? 'This account is not a member of any store yet.' : null,
      })
    } catch (error) {
      this.state.set({
        kind: 'signed-in',
        session,
        memberships: [],
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }
}
