import { useEffect, useMemo, useState } from 'preact/hooks'
import { SapaApi } from '../api'
import { SetPasswordView } from '../auth/SetPasswordView'
import type { SessionModel } from '../models/session'
import { Workspace } from '../models/workspace'
import { useStore } from '../store'
import type { StoreMembership } from '../types'
import { LoginView } from './LoginView'
import { Toasts } from './Toasts'
import { WorkspaceView } from './WorkspaceView'

const SELECTED_STORE_KEY = 'sapa.selectedStoreId'

/** Login → the store's live inbox → sign out. */
export function App({ session, functionsUrl }: { session: SessionModel; functionsUrl: string }) {
  const state = useStore(session.state)
  const api = useMemo(() => new SapaApi(session.client, functionsUrl), [session, functionsUrl])

  return (
    <>
      {state.kind === 'starting' && (
        <p class="splash" role="status">
          Loading…
        </p>
      )}
      {state.kind === 'signed-out' && <LoginView session={session} message={state.message} />}
      {state.kind === 'set-password' && (
        <SetPasswordView session={session} kind={state.link} email={state.session.user.email ?? ''} />
      )}
      {state.kind === 'signed-in' && (
        <SignedIn
          session={session}
          api={api}
          userId={state.session.user.id}
          email={state.session.user.email ?? ''}
          accessToken={state.session.access_token}
          memberships={state.memberships}
          error={state.error}
        />
      )}
      <Toasts />
    </>
  )
}

interface SignedInProps {
  session: SessionModel
  api: SapaApi
  userId: string
  email: string
  accessToken: string
  memberships: StoreMembership[]
  error: string | null
}

function SignedIn({ session, api, userId, email, accessToken, memberships, error }: SignedInProps) {
  const [storeId, setStoreId] = useState(() => {
    const remembered = localStorage.getItem(SELECTED_STORE_KEY)
    return memberships.some((m) => m.store_id === remembered) ? remembered : (memberships[0]?.store_id ?? null)
  })
  const membership = memberships.find((m) => m.store_id === storeId) ?? null
  const [workspace, setWorkspace] = useState<Workspace | null>(null)

  useEffect(() => {
    if (!membership) return
    localStorage.setItem(SELECTED_STORE_KEY, membership.store_id)
    const created = new Workspace(session.client, api, membership, userId)
    setWorkspace(created)
    void created.start(accessToken)
    return () => {
      setWorkspace(null)
      void created.dispose()
    }
    // The access token is only needed to join; a refreshed token must not rebuild the workspace.
  }, [membership?.store_id, userId])

  return (
    <WorkspaceView
      workspace={workspace}
      memberships={memberships}
      email={email}
      error={error}
      onSwitchStore={setStoreId}
      onSignOut={() => void session.signOut()}
    />
  )
}
