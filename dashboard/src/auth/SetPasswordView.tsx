import { useEffect, useRef, useState } from 'preact/hooks'
import { Logo } from '../components/Logo'
import type { SessionModel } from '../models/session'
import type { AuthLinkKind } from './links'

/** After an invite or recovery link: the person is signed in by the link and chooses a password, then
 * lands in their store. */
export function SetPasswordView({ session, kind, email }: { session: SessionModel; kind: AuthLinkKind; email: string }) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const password = useRef<HTMLInputElement>(null)
  const repeat = useRef<HTMLInputElement>(null)
  useEffect(() => password.current?.focus(), [])

  const submit = async (event: Event) => {
    event.preventDefault()
    const chosen = password.current?.value ?? ''
    if (chosen !== (repeat.current?.value ?? '')) {
      setError('The two passwords differ.')
      return
    }
    setBusy(true)
    setError(null)
    const failure = await session.setPassword(chosen)
    setBusy(false)
    if (failure) setError(failure)
  }

  return (
    <main data-testid="set-password-view" class="login">
      <div class="login__brand">
        <Logo size={40} />
        <div>
          <h1 class="login__title">Sapa</h1>
          <p class="login__tagline">{kind === 'invite' ? 'Welcome to the team' : 'Choose a new password'}</p>
        </div>
      </div>
      <form data-testid="set-password-form" class="login__form" onSubmit={submit}>
        <h2>{kind === 'invite' ? 'Set your password' : 'Set a new password'}</h2>
        <p class="muted" data-testid="set-password-email">
          {email}
        </p>
        <input type="email" autocomplete="username" value={email} hidden readOnly />
        <label for="new-password">Password (at least 8 characters)</label>
        <input ref={password} id="new-password" data-testid="set-password" type="password" autocomplete="new-password" minLength={8} required />
        <label for="repeat-password">Repeat the password</label>
        <input ref={repeat} id="repeat-password" data-testid="set-password-repeat" type="password" autocomplete="new-password" minLength={8} required />
        <button type="submit" class="button button--primary" data-testid="set-password-submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save and continue'}
        </button>
        {error && (
          <p data-testid="set-password-error" class="alert" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  )
}
