import { useEffect, useRef, useState } from 'preact/hooks'
import { dashboardAddress } from '../auth/links'
import type { SessionModel } from '../models/session'
import { Logo } from './Logo'

export function LoginView({ session, message }: { session: SessionModel; message: string | null }) {
  const [error, setError] = useState<string | null>(message)
  const [busy, setBusy] = useState(false)
  const [forgot, setForgot] = useState(false)
  const email = useRef<HTMLInputElement>(null)
  const password = useRef<HTMLInputElement>(null)

  useEffect(() => email.current?.focus(), [])

  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setBusy(true)
    try {
      const failure = await session.signIn(email.current?.value ?? '', password.current?.value ?? '')
      if (failure) {
        setError(failure)
        password.current?.select()
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <main data-testid="login-view" class="login">
      <div class="login__brand">
        <Logo size={40} />
        <div>
          <h1 class="login__title">Sapa</h1>
          <p class="login__tagline">WhatsApp inbox for your shop</p>
        </div>
      </div>
      {forgot ? (
        <ForgotPassword session={session} initialEmail={email.current?.value ?? ''} onBack={() => setForgot(false)} />
      ) : (
      <form data-testid="login-form" class="login__form" onSubmit={submit}>
        <h2>Sign in</h2>
        <label for="login-email">Email</label>
        <input
          ref={email}
          id="login-email"
          data-testid="login-email"
          name="email"
          type="email"
          autocomplete="username"
          required
        />
        <label for="login-password">Password</label>
        <input
          ref={password}
          id="login-password"
          data-testid="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit" class="button button--primary" data-testid="login-submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <button type="button" class="button button--ghost" data-testid="forgot-password" onClick={() => setForgot(true)}>
          Forgot password?
        </button>
        {error && (
          <p data-testid="login-error" class="alert" role="alert">
            {error}
          </p>
        )}
      </form>
      )}
    </main>
  )
}

/** Asks Supabase Auth for a password-reset link; the answer is the same whether or not the e-mail is known. */
function ForgotPassword({ session, initialEmail, onBack }: { session: SessionModel; initialEmail: string; onBack: () => void }) {
  const [sentTo, setSentTo] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const email = useRef<HTMLInputElement>(null)
  useEffect(() => email.current?.focus(), [])

  const submit = async (event: Event) => {
    event.preventDefault()
    const address = email.current?.value.trim() ?? ''
    setBusy(true)
    setError(null)
    const failure = await session.sendPasswordReset(address, dashboardAddress(location))
    setBusy(false)
    if (failure) setError(failure)
    else setSentTo(address)
  }

  return (
    <form data-testid="forgot-form" class="login__form" onSubmit={submit}>
      <h2>Reset your password</h2>
      <label for="forgot-email">Email</label>
      <input ref={email} id="forgot-email" data-testid="forgot-email" type="email" autocomplete="username" defaultValue={initialEmail} required />
      <button type="submit" class="button button--primary" data-testid="forgot-submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send a reset link'}
      </button>
      <button type="button" class="button button--ghost" data-testid="forgot-back" onClick={onBack}>
        Back to sign in
      </button>
      {sentTo && (
        <p data-testid="forgot-sent" class="alert alert--info" role="status">
          If {sentTo} has a Sapa account, a link to set a new password is on its way. It works once, for 24 hours.
        </p>
      )}
      {error && (
        <p data-testid="forgot-error" class="alert" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}
