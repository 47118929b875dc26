/** Short confirmations and errors, announced to screen readers by the Toasts component. */
import { Store } from './store'

export interface Toast {
  id: number
  kind: 'success' | 'error'
  text: string
}

export const toasts = new Store<Toast[]>([])
let nextId = 1

export function notify(kind: Toast['kind'], text: string, timeoutMs = kind === 'error' ? 8000 : 3500): void {
  const toast = { id: nextId++, kind, text }
  toasts.update((list) => [...list.slice(-3), toast])
  setTimeout(() => dismiss(toast.id), timeoutMs)
}

export function dismiss(id: number): void {
  toasts.update((list) => list.filter((t) => t.id !== id))
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
