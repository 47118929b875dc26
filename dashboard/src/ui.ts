import { byTestId } from './dom'

/** The static elements of index.html the app drives. */
export interface Ui {
  appError: HTMLElement
  loginView: HTMLElement
  loginForm: HTMLFormElement
  loginEmail: HTMLInputElement
  loginPassword: HTMLInputElement
  loginSubmit: HTMLButtonElement
  loginError: HTMLElement
  inboxView: HTMLElement
  storeName: HTMLElement
  storeSelectLabel: HTMLElement
  storeSelect: HTMLSelectElement
  realtimeStatus: HTMLElement
  signedInAs: HTMLElement
  signOut: HTMLButtonElement
  inboxError: HTMLElement
  inboxLoading: HTMLElement
  conversationList: HTMLUListElement
  inboxEmpty: HTMLElement
}

export function findUi(): Ui {
  return {
    appError: byTestId('app-error'),
    loginView: byTestId('login-view'),
    loginForm: byTestId<HTMLFormElement>('login-form'),
    loginEmail: byTestId<HTMLInputElement>('login-email'),
    loginPassword: byTestId<HTMLInputElement>('login-password'),
    loginSubmit: byTestId<HTMLButtonElement>('login-submit'),
    loginError: byTestId('login-error'),
    inboxView: byTestId('inbox-view'),
    storeName: byTestId('store-name'),
    storeSelectLabel: byTestId('store-select-label'),
    storeSelect: byTestId<HTMLSelectElement>('store-select'),
    realtimeStatus: byTestId('realtime-status'),
    signedInAs: byTestId('signed-in-as'),
    signOut: byTestId<HTMLButtonElement>('sign-out'),
    inboxError: byTestId('inbox-error'),
    inboxLoading: byTestId('inbox-loading'),
    conversationList: byTestId<HTMLUListElement>('conversation-list'),
    inboxEmpty: byTestId('inbox-empty'),
  }
}
