/** The links Supabase Auth e-mails (invite, password recovery) come back to the dashboard with the
 * session, or the reason it failed, in the URL fragment:
 *   #access_token=…&refresh_token=…&type=invite      (supabase-js signs in from it and clears it)
 *   #error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired
 * Read before supabase-js starts, so the dashboard knows to ask for a password. */

export type AuthLinkKind = 'invite' | 'recovery'

export interface AuthLink {
  kind: AuthLinkKind | null
  error: string | null
}

export function readAuthLink(hash: string): AuthLink {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const description = params.get('error_description')
  if (params.get('error') || description) {
    const code = params.get('error_code')
    const why = description ?? params.get('error') ?? 'the link was refused'
    return {
      kind: null,
      error:
        code === 'otp_expired'
          ? `${why}. Ask for a new link: “Forgot password?” below, or a new invitation from the store.`
          : why,
    }
  }
  const type = params.get('type')
  if (params.get('access_token') && (type === 'invite' || type === 'recovery')) return { kind: type, error: null }
  return { kind: null, error: null }
}

/** Where recovery e-mails send the reader back: this dashboard, without any fragment. */
export function dashboardAddress(location: Pick<Location, 'origin' | 'pathname'>): string {
  return `${location.origin}${location.pathname}`
}
