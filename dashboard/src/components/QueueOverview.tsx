import { DEFAULT_FILTERS, type InboxFilters } from '../filters'
import type { Workspace } from '../models/workspace'
import { useStore } from '../store'
import { Icon, type IconName } from './Icon'

interface Tile {
  label: string
  hint: string
  icon: IconName
  value: number | undefined
  filters: InboxFilters
  tone: string
}

/** What is waiting in the store, shown while no conversation is open; each tile filters the inbox. */
export function QueueOverview({ workspace }: { workspace: Workspace }) {
  const counts = useStore(workspace.queue)
  const tiles: Tile[] = [
    {
      label: 'Need a person',
      hint: 'Handed off, nobody assigned',
      icon: 'user',
      value: counts?.needsPerson,
      filters: { ...DEFAULT_FILTERS, status: 'human', assignment: 'unassigned' },
      tone: 'urgent',
    },
    {
      label: 'Assigned to you',
      hint: 'Open and yours',
      icon: 'takeOver',
      value: counts?.mine,
      filters: { ...DEFAULT_FILTERS, assignment: 'mine' },
      tone: 'mine',
    },
    {
      label: 'With the bot',
      hint: 'Answered by the assistant',
      icon: 'bot',
      value: counts?.withBot,
      filters: { ...DEFAULT_FILTERS, status: 'bot' },
      tone: 'bot',
    },
    {
      label: 'Resolved today',
      hint: 'By the team or the bot',
      icon: 'checkCircle',
      value: counts?.resolvedToday,
      filters: { ...DEFAULT_FILTERS, status: 'resolved' },
      tone: 'done',
    },
  ]
  return (
    <section class="pane pane--empty" aria-labelledby="queue-heading" data-testid="queue-overview">
      <div class="overview">
        <h2 id="queue-heading">{workspace.membership.stores?.name ?? 'Your store'} right now</h2>
        <ul class="overview__tiles">
          {tiles.map((tile) => (
            <li key={tile.label}>
              <button
                type="button"
                class={`tile tile--${tile.tone}`}
                onClick={() => workspace.setFilters(tile.filters)}
                aria-label={`${tile.label}: ${tile.value ?? 'counting'}. Show them`}
              >
                <span class="tile__icon">
                  <Icon name={tile.icon} size={18} />
                </span>
                <span class="tile__value" data-testid={`queue-${tile.tone}`}>
                  {tile.value ?? '–'}
                </span>
                <span class="tile__label">{tile.label}</span>
                <span class="tile__hint">{tile.hint}</span>
              </button>
            </li>
          ))}
        </ul>
        <div class="overview__hint">
          <Icon name="inbox" size={20} />
          <p>
            Pick a conversation on the left. New WhatsApp messages appear there as they arrive. Keys: <kbd>/</kbd>{' '}
            search, <kbd>↑</kbd> <kbd>↓</kbd> move through the list, <kbd>Enter</kbd> opens, <kbd>Ctrl</kbd>+
            <kbd>Enter</kbd> sends a reply.
          </p>
        </div>
      </div>
    </section>
  )
}
