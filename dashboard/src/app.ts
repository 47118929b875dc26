import type { Session, SupabaseClient } from '@supabase/supabase-js'
import { fetchConversation, fetchConversations, fetchLatestMessages, fetchMemberships } from './data'
import { h, setMessage, show } from './dom'
import { Inbox } from './inbox'
import { subscribeToStore, unsubscribe, type StoreChange, type StoreSubscription } from './realtime'
import type { StoreMembership } from './types'
import type { Ui } from './ui'

const SELECTED_STORE_KEY = 'sapa.selectedStoreId'

/** Login → pick a store → live inbox of that store → sign out. */
export class App {
  private readonly inbox: Inbox
  private subscription: StoreSubscription | null = null
  private memberships: StoreMembership[] = []
  private signedIn = false
  /** Bumped whenever the shown store or session changes, so late async results of the old one are dropped. */
  private generation = 0

  constructor(
    private readonly client: SupabaseClient,
    private readonly ui: Ui,
  ) {
    this.inbox = new Inbox(ui.conversationList, ui.inboxEmpty)
    ui.loginForm.addEventListener('submit', (event) => {
      event.preventDefault()
      void this.signIn()
    })
    ui.signOut.addEventListener('click', () => void this.signOut())
    ui.storeSelect.addEventListener('change', () => void this.switchStore(ui.storeSelect.value))
    client.auth.onAuthStateChange((event) => {
      // Runs inside auth-js's lock: defer our work (which calls back into auth) until it is released.
      if (event === 'SIGNED_OUT') setTimeout(() => void this.closeInbox(), 0)
    })
  }

  async start(): Promise<void> {
    const { data, error } = await this.client.auth.getSession()
    if (error || !data.session) {
      this.showLogin(error ? `Your session could not be restored: ${error.message}` : null)
      return
    }
    await this.openInbox(data.session)
  }

  private showLogin(message: string | null = null): void {
    show(this.ui.inboxView, false)
    show(this.ui.loginView, true)
    setMessage(this.ui.loginError, message)
    this.ui.loginEmail.focus()
  }

  private async signIn(): Promise<void> {
    const { loginEmail, loginPassword, loginSubmit, loginError } = this.ui
    setMessage(loginError, null)
    loginSubmit.disabled = true
    try {
      const { data, error } = await this.client.auth.signInWithPassword({
        email: loginEmail.value.trim(),
        password: loginPassword.value,
      })
      if (error) {
        setMessage(loginError, `Sign-in failed: ${error.message}`)
        loginPassword.select()
        return
      }
      loginPassword.value = ''
      await this.openInbox(data.session)
    } finally {
      loginSubmit.disabled = false
    }
  }

  private async signOut(): Promise<void> {
    // 'local' drops this browser's session first, so signing out never depends on the network.
    const { error } = await this.client.auth.signOut({ scope: 'local' })
    await this.closeInbox()
    if (error) setMessage(this.ui.loginError, `Signed out here, but the server did not confirm: ${error.message}`)
  }

  private async openInbox(session: Session): Promise<void> {
    const generation = ++this.generation
    this.signedIn = true
    show(this.ui.loginView, false)
    show(this.ui.inboxView, true)
    this.ui.signedInAs.textContent = session.user.email ?? ''
    setMessage(this.ui.inboxError, null)
    try {
      this.memberships = await fetchMemberships(this.client, session.user.id)
    } catch (error) {
      if (generation === this.generation) setMessage(this.ui.inboxError, errorMessage(error))
      return
    }
    if (generation !== this.generation) return
    const first = this.memberships[0]
    if (!first) {
      setMessage(this.ui.inboxError, 'This account is not a member of any store yet.')
      return
    }
    const remembered = localStorage.getItem(SELECTED_STORE_KEY)
    const storeId = this.memberships.some((m) => m.store_id === remembered) ? (remembered as string) : first.store_id
    this.renderStorePicker(storeId)
    await this.openStore(storeId, session.access_token)
  }

  private renderStorePicker(selectedStoreId: string): void {
    const { storeSelect, storeSelectLabel, storeName } = this.ui
    storeSelect.replaceChildren(
      ...this.memberships.map((m) =>
        h('option', { text: `${m.stores?.name ?? m.store_id} (${m.role})`, attrs: { value: m.store_id } }),
      ),
    )
    storeSelect.value = selectedStoreId
    const several = this.memberships.length > 1
    show(storeSelectLabel, several)
    show(storeName, !several)
  }

  private async switchStore(storeId: string): Promise<void> {
    const { data } = await this.client.auth.getSession()
    if (!data.session) return this.closeInbox()
    await this.openStore(storeId, data.session.access_token)
  }

  private async openStore(storeId: string, accessToken: string): Promise<void> {
    const generation = ++this.generation
    await this.leaveStore()
    localStorage.setItem(SELECTED_STORE_KEY, storeId)
    const membership = this.memberships.find((m) => m.store_id === storeId)
    this.ui.storeName.textContent = membership?.stores?.name ?? ''
    this.inbox.clear()
    setMessage(this.ui.inboxError, null)
    show(this.ui.inboxLoading, true)

    // Subscribe before the first read and hold changes back until it is shown, so none fall in between.
    const held: StoreChange[] = []
    let loaded = false
    let joinedBefore = false
    const onChange = (change: StoreChange): void => {
      if (generation !== this.generation) return
      if (loaded) void this.applyChange(storeId, change, generation)
      else held.push(change)
    }
    const subscription = await subscribeToStore(this.client, accessToken, storeId, onChange, (status, error) => {
      if (generation !== this.generation) return
      this.ui.realtimeStatus.textContent = status
      this.ui.realtimeStatus.title = error ? error.message : ''
      if (status !== 'SUBSCRIBED') return
      // A rejoin after a dropped connection: changes made meanwhile were not sent to us, so read again.
      if (joinedBefore && loaded) void this.loadConversations(storeId, generation)
      joinedBefore = true
    })
    if (generation !== this.generation) {
      // Another store (or a sign-out) took over while we were joining.
      await unsubscribe(this.client, subscription)
      return
    }
    this.subscription = subscription

    await this.loadConversations(storeId, generation)
    loaded = true
    for (const change of held.splice(0)) void this.applyChange(storeId, change, generation)
  }

  private async loadConversations(storeId: string, generation: number): Promise<void> {
    try {
      const conversations = await fetchConversations(this.client, storeId)
      const latest = await fetchLatestMessages(
        this.client,
        storeId,
        conversations.map((c) => c.id),
      )
      if (generation !== this.generation) return
      this.inbox.load(conversations, latest)
    } catch (error) {
      if (generation === this.generation) setMessage(this.ui.inboxError, errorMessage(error))
    } finally {
      if (generation === this.generation) show(this.ui.inboxLoading, false)
    }
  }

  private async applyChange(storeId: string, change: StoreChange, generation: number): Promise<void> {
    try {
      if (change.table === 'messages') {
        if (change.record.store_id !== storeId || this.inbox.applyMessage(change.record)) return
        await this.addConversation(storeId, change.record.conversation_id, generation)
        this.inbox.applyMessage(change.record)
      } else if (change.operation === 'DELETE') {
        this.inbox.remove(change.record.id)
      } else if (change.record.store_id === storeId && !this.inbox.updateConversation(change.record)) {
        await this.addConversation(storeId, change.record.id, generation)
      }
    } catch (error) {
      if (generation === this.generation) setMessage(this.ui.inboxError, errorMessage(error))
    }
  }

  /** A conversation the list does not have yet (new, or older than the first page): read it with its customer. */
  private async addConversation(storeId: string, conversationId: string, generation: number): Promise<void> {
    const conversation = await fetchConversation(this.client, storeId, conversationId)
    if (conversation && generation === this.generation) this.inbox.upsert(conversation)
  }

  private async leaveStore(): Promise<void> {
    const subscription = this.subscription
    this.subscription = null
    this.ui.realtimeStatus.textContent = 'CONNECTING'
    if (subscription) await unsubscribe(this.client, subscription)
  }

  private async closeInbox(): Promise<void> {
    if (!this.signedIn) return
    this.signedIn = false
    this.generation++
    await this.leaveStore()
    this.inbox.clear()
    this.memberships = []
    this.showLogin()
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
