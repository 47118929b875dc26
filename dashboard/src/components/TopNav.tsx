import { useEffect, useRef, useState } from 'preact/hooks'
import { PAGE_HASHES, type Page } from '../routes'
import type { MemberRole } from '../types'
import { Icon, type IconName } from './Icon'

interface NavLink {
  page: Page
  label: string
  icon: IconName
  /** Who is offered the link: the page itself refuses anyone else. */
  roles: readonly MemberRole[]
}

interface NavGroup {
  id: string
  label: string
  icon: IconName
  links: NavLink[]
}

const EVERYONE: readonly MemberRole[] = ['owner', 'admin', 'agent']
const OWNERS_AND_ADMINS: readonly MemberRole[] = ['owner', 'admin']
const OWNERS: readonly MemberRole[] = ['owner']

/** The daily pages first; the setup pages behind "Settings". */
const NAV: (NavLink | NavGroup)[] = [
  { page: 'inbox', label: 'Inbox', icon: 'inbox', roles: EVERYONE },
  { page: 'customers', label: 'Customers', icon: 'user', roles: EVERYONE },
  {
    id: 'marketing',
    label: 'Marketing',
    icon: 'megaphone',
    links: [
      { page: 'broadcasts', label: 'Broadcasts', icon: 'send', roles: OWNERS_AND_ADMINS },
      { page: 'segments', label: 'Segments', icon: 'filter', roles: OWNERS_AND_ADMINS },
    ],
  },
  { page: 'kpis', label: 'KPIs', icon: 'chart', roles: OWNERS_AND_ADMINS },
  {
    id: 'settings',
    label: 'Settings',
    icon: 'sliders',
    links: [
      { page: 'store-settings', label: 'Store', icon: 'package', roles: OWNERS },
      { page: 'notification-settings', label: 'Order updates', icon: 'bell', roles: OWNERS_AND_ADMINS },
      { page: 'assistant-settings', label: 'Assistant', icon: 'bot', roles: EVERYONE },
      { page: 'knowledge', label: 'Knowledge', icon: 'note', roles: EVERYONE },
      { page: 'team', label: 'Team', icon: 'users', roles: EVERYONE },
      { page: 'audit', label: 'Audit', icon: 'lock', roles: OWNERS },
    ],
  },
]

/** The top bar's page links for the member's role; a group the role has no page in is left out. */
export function TopNav({ page, role }: { page: Page; role: MemberRole }) {
  return (
    <nav class="topbar__nav" aria-label="Pages">
      {NAV.map((item) => {
        if (!('links' in item)) {
          return item.roles.includes(role) ? <TopLink key={item.page} link={item} page={page} /> : null
        }
        const links = item.links.filter((link) => link.roles.includes(role))
        return links.length > 0 ? <TopMenu key={item.id} group={{ ...item, links }} page={page} /> : null
      })}
    </nav>
  )
}

function TopLink({ link, page, onClick }: { link: NavLink; page: Page; onClick?: () => void }) {
  return (
    <a href={PAGE_HASHES[link.page]} class="topbar__link" aria-current={page === link.page ? 'page' : undefined} onClick={onClick}>
      <Icon name={link.icon} size={15} />
      <span>{link.label}</span>
    </a>
  )
}

/**
 * A disclosure of links (WAI-ARIA's navigation menu pattern, not role="menu": the links stay links). Enter or
 * Space toggles it and Tab walks in; ↓/↑ open it or move between its links; Escape, a click elsewhere or focus
 * leaving close it, Escape handing focus back to the button.
 */
function TopMenu({ group, page }: { group: NavGroup; page: Page }) {
  const [open, setOpen] = useState(false)
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const list = useRef<HTMLUListElement>(null)
  const listId = `topbar-menu-${group.id}`
  const holdsCurrent = group.links.some((link) => link.page === page)

  useEffect(() => setOpen(false), [page])

  useEffect(() => {
    if (!open) return
    const closeOutside = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', closeOutside)
    return () => document.removeEventListener('pointerdown', closeOutside)
  }, [open])

  const links = () => Array.from(list.current?.querySelectorAll('a') ?? [])
  const focusLink = (index: number) => {
    const all = links()
    all[(index + all.length) % all.length]?.focus()
  }
  // Preact renders the opened list after this handler; it is shown here already so focus can move into it now.
  const openAndFocus = (index: number) => {
    if (list.current) list.current.hidden = false
    setOpen(true)
    focusLink(index)
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && open) {
      e.preventDefault()
      e.stopPropagation()
      setOpen(false)
      button.current?.focus()
      return
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return
    const all = links()
    const at = all.indexOf(document.activeElement as HTMLAnchorElement)
    if (e.target === button.current) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault()
        openAndFocus(e.key === 'ArrowDown' ? 0 : -1)
      }
      return
    }
    if (at < 0) return
    e.preventDefault()
    if (e.key === 'ArrowDown') focusLink(at + 1)
    else if (e.key === 'ArrowUp') focusLink(at - 1)
    else if (e.key === 'Home') focusLink(0)
    else focusLink(-1)
  }

  const onFocusOut = (e: FocusEvent) => {
    if (!root.current?.contains(e.relatedTarget as Node | null)) setOpen(false)
  }

  // Following a link closes the menu; focus returns to its button, as it would stay on a link of the bar.
  const onChoose = () => {
    button.current?.focus()
    setOpen(false)
  }

  return (
    <div class="topbar__menu" ref={root} onKeyDown={onKeyDown} onFocusOut={onFocusOut}>
      <button
        ref={button}
        type="button"
        class={`topbar__link topbar__menu-button${holdsCurrent ? ' topbar__link--holds-current' : ''}`}
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen(!open)}
      >
        <Icon name={group.icon} size={15} />
        <span>{group.label}</span>
        <Icon name="chevronDown" size={13} className="topbar__chevron" />
      </button>
      <ul ref={list} id={listId} class="topbar__menu-list" hidden={!open}>
        {group.links.map((link) => (
          <li key={link.page}>
            <TopLink link={link} page={page} onClick={onChoose} />
          </li>
        ))}
      </ul>
    </div>
  )
}
