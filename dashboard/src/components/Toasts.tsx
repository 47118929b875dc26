import { useStore } from '../store'
import { dismiss, toasts } from '../toasts'
import { Icon } from './Icon'

export function Toasts() {
  const list = useStore(toasts)
  return (
    <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
      {list.map((toast) => (
        <div key={toast.id} class={`toast toast--${toast.kind}`} data-testid={`toast-${toast.kind}`}>
          <Icon name={toast.kind === 'error' ? 'alert' : 'checkCircle'} size={16} />
          <span class="toast__text">{toast.text}</span>
          <button type="button" class="icon-button" onClick={() => dismiss(toast.id)} aria-label="Dismiss">
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
    </div>
  )
}
