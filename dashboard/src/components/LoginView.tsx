import { useEffect, useRef, useState } from 'preact/hooks'
import type { SessionModel } from '../models/session'
import { Logo } from './Logo'

export function LoginView({ session, message }: { session: SessionModel; message: string | null }) {
  const [error, setError] = useState<string | null>(message)
  const [busy, setBusy] = useState(false)
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
        {error && (
          <p data-testid="login-error" class="alert" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  )
}
