import { createContext } from 'preact'
import { useContext, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { formatClock, formatDateTime, formatDay, MESSAGE_STATUS_LABELS } from '../format'
import type { MediaItem, MessageRow, NoteRow, TeamMember } from '../types'
import { CategoryBadge, UrgencyBadge } from './Badges'
import { Icon } from './Icon'
import { memberLabel } from './members'

type Entry = { kind: 'message'; at: string; message: MessageRow } | { kind: 'note'; at: string; note: NoteRow }

interface Props {
  messages: MessageRow[]
  notes: NoteRow[]
  customerName: string
  userId: string
  team: TeamMember[]
}

/** The whole conversation, oldest first, with the team's private notes in between (never sent). */
export function Thread({ messages, notes, customerName, userId, team }: Props) {
  const scroller = useRef<HTMLDivElement>(null)
  const stickToBottom = useRef(true)
  const [unseen, setUnseen] = useState(0)
  const entries: Entry[] = [
    ...messages.map((message) => ({ kind: 'message' as const, at: message.created_at, message })),
    ...notes.map((note) => ({ kind: 'note' as const, at: note.created_at, note })),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  const count = entries.length

  // Follow new messages when the agent is at the bottom; otherwise offer a jump down.
  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight
      setUnseen(0)
    } else {
      setUnseen((n) => n + 1)
    }
  }, [count])

  useEffect(() => {
    const el = scroller.current
    if (!el) return
    const onScroll = () => {
      stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80
      if (stickToBottom.current) setUnseen(0)
    }
    el.addEventListener('scroll', onScroll, { passive: true })
    return () => el.removeEventListener('scroll', onScroll)
  }, [])

  let lastDay = ''
  return (
    <div class="thread" ref={scroller} data-testid="thread" tabIndex={0} aria-label={`Messages with ${customerName}`}>
      {count === 0 && <p class="thread__empty">No messages yet.</p>}
      <ol class="thread__list">
        {entries.map((entry) => {
          const day = formatDay(entry.at)
          const separator = day !== lastDay ? <li class="day-separator" key={`day-${entry.at}`}><span>{day}</span></li> : null
          lastDay = day
          return [
            separator,
            entry.kind === 'message' ? (
              <MessageBubble
                key={entry.message.id}
                message={entry.message}
                customerName={customerName}
                agentName={agentName(entry.message, userId, team)}
              />
            ) : (
              <NoteBubble key={entry.note.id} note={entry.note} userId={userId} team={team} />
            ),
          ]
        })}
      </ol>
      {unseen > 0 && (
        <button
          type="button"
          class="jump-down"
          onClick={() => {
            const el = scroller.current
            if (el) el.scrollTop = el.scrollHeight
            stickToBottom.current = true
            setUnseen(0)
          }}
        >
          New messages ↓
        </button>
      )}
    </div>
  )
}

const SENDER_LABELS: Record<string, string> = { bot: 'Bot', agent: 'Agent', system: 'System' }

/** Who of the team wrote an agent's message (the API records the agent in its metadata). */
function agentName(message: MessageRow, userId: string, team: TeamMember[]): string | null {
  const agentId = message.metadata?.['agent_id']
  return message.sender === 'agent' && typeof agentId === 'string' ? memberLabel(agentId, userId, team) : null
}

function MessageBubble({
  message,
  customerName,
  agentName,
}: {
  message: MessageRow
  customerName: string
  agentName: string | null
}) {
  const inbound = message.direction === 'inbound'
  const who = inbound ? customerName : (agentName ?? SENDER_LABELS[message.sender] ?? message.sender)
  const template = message.metadata?.['template']
  if (message.sender === 'system') {
    return (
      <li class="system-line" data-testid="message" data-message-id={message.id} data-sender="system">
        {message.body} · {formatClock(message.created_at)}
      </li>
    )
  }
  return (
    <li
      class={`msg msg--${message.direction} msg--${message.sender}`}
      data-testid="message"
      data-message-id={message.id}
      data-sender={message.sender}
      data-status={message.status}
    >
      <div class="bubble">
        {!inbound && (
          <span class="bubble__who">
            {message.sender === 'bot' && <Icon name="bot" size={12} />}
            {who}
            {template ? <span class="bubble__tag">Template</span> : null}
          </span>
        )}
        {inbound && <span class="visually-hidden">{who}: </span>}
        {(message.media?.length ?? 0) > 0 && <Media messageId={message.id} items={message.media ?? []} />}
        {message.body !== '' && (
          <p class="bubble__text" data-testid="message-body">
            {message.body}
          </p>
        )}
        <span class="bubble__meta">
          {inbound && message.category && (
            <CategoryBadge category={message.category} unsure={message.label_unsure === true} />
          )}
          {inbound && message.urgency && <UrgencyBadge urgency={message.urgency} unsure={message.label_unsure === true} />}
          <time dateTime={message.created_at} title={formatDateTime(message.created_at)}>
            {formatClock(message.created_at)}
          </time>
          {!inbound && <DeliveryStatus message={message} />}
        </span>
      </div>
    </li>
  )
}

function DeliveryStatus({ message }: { message: MessageRow }) {
  const label = MESSAGE_STATUS_LABELS[message.status] ?? message.status
  const error = typeof message.metadata?.['error'] === 'string' ? `: ${message.metadata['error']}` : ''
  const icon =
    message.status === 'failed'
      ? 'alert'
      : message.status === 'delivered' || message.status === 'read'
        ? 'doubleCheck'
        : message.status === 'queued'
          ? 'clock'
          : 'check'
  return (
    <span
      class={`delivery delivery--${message.status}`}
      data-testid="delivery-status"
      title={`${label}${error}`}
    >
      <Icon name={icon} size={13} />
      <span class={message.status === 'sandbox' || message.status === 'failed' ? '' : 'visually-hidden'}>
        {message.status === 'sandbox' ? 'Sandbox' : label}
      </span>
    </span>
  )
}

/** Opens the kept copy of attachment `index` of a message (provided by the conversation pane). */
export const KeptMedia = createContext<((messageId: string, index: number) => Promise<string>) | null>(null)

function Media({ messageId, items }: { messageId: string; items: MediaItem[] }) {
  return (
    <ul class="media" aria-label="Attachments">
      {items.map((item, i) => {
        const type = item.content_type ?? ''
        const name = fileName(item.url, i, type)
        return (
          <li key={`${item.url}-${i}`}>
            {type.startsWith('image/') ? (
              <ImageThumb url={item.url} name={name} />
            ) : (
              <a href={item.url} target="_blank" rel="noopener noreferrer" class="media__file" data-testid="media-file">
                <Icon name="paperclip" size={14} />
                <span>{name}</span>
                <span class="media__type">Open</span>
              </a>
            )}
            <MediaReading item={item} />
            {item.storage_key && <OpenKept messageId={messageId} index={i} />}
          </li>
        )
      })}
    </ul>
  )
}

const NOT_READ: Record<string, string> = {
  unsupported: 'Not read by the assistant: a person needs to look at it.',
  oversized: 'Too large to read: a person needs to look at it.',
  unreadable: 'No text could be read from it: a person needs to look at it.',
  unavailable: 'Could not be downloaded from Twilio.',
}

/** The copy Sapa kept: a link that works without Twilio's credentials, fetched when asked for. */
function OpenKept({ messageId, index }: { messageId: string; index: number }) {
  const link = useContext(KeptMedia)
  const [error, setError] = useState<string | null>(null)
  if (!link) return null
  const open = async () => {
    // Opened at once (a popup opened after an await is blocked), pointed at the link when it arrives.
    const opened = window.open('', '_blank')
    if (opened) opened.opener = null
    try {
      const url = await link(messageId, index)
      if (opened) opened.location.href = url
      setError(null)
    } catch (failure) {
      opened?.close()
      setError(failure instanceof Error ? failure.message : String(failure))
    }
  }
  return (
    <>
      <button type="button" class="button button--ghost button--small" data-testid="media-open-kept" onClick={() => void open()}>
        Open the copy Sapa kept
      </button>
      {error && <p class="media__note">{error}</p>}
    </>
  )
}

/** What the worker read from an attachment (the assistant read the same), or why it could not. */
function MediaReading({ item }: { item: MediaItem }) {
  if (item.status === 'extracted' && item.text) {
    return (
      <details class="media__read" data-testid="media-text">
        <summary>
          Text read from it{item.pages && item.pages > 1 ? ` (${item.pages} pages)` : ''}
          {item.text_truncated ? ', beginning' : ''}
        </summary>
        <pre>{item.text}</pre>
      </details>
    )
  }
  const note = item.status ? NOT_READ[item.status] : undefined
  if (!note) return null
  return (
    <p class="media__note" data-testid="media-note" title={item.error ?? undefined}>
      {note}
      {item.error ? ` ${item.error}` : ''}
    </p>
  )
}

/** A thumbnail linking to the full image; if the image cannot be shown, a plain link to it. */
function ImageThumb({ url, name }: { url: string; name: string }) {
  const [broken, setBroken] = useState(false)
  return (
    <a
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      class={broken ? 'media__file' : 'media__image'}
      data-testid="media-image"
    >
      {broken ? (
        <>
          <Icon name="paperclip" size={14} />
          <span>{name}</span>
          <span class="media__type">image</span>
        </>
      ) : (
        <img src={url} alt={`Image from the chat: ${name}`} loading="lazy" onError={() => setBroken(true)} />
      )}
    </a>
  )
}

const DOCUMENT_TYPES: Record<string, string> = {
  'application/pdf': 'PDF document',
  'text/vcard': 'Contact card',
  'text/x-vcard': 'Contact card',
}

/** What to call an attachment: Twilio's media URLs carry no file name, so mostly by its type. */
function fileName(url: string, index: number, contentType = ''): string {
  const known = DOCUMENT_TYPES[contentType]
  if (known) return known
  if (contentType.startsWith('image/')) return 'Photo'
  if (contentType.startsWith('audio/')) return 'Voice message'
  if (contentType.startsWith('video/')) return 'Video'
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).at(-1)
    return last && /\.\w{2,5}$/.test(last) ? decodeURIComponent(last) : `Attachment ${index + 1}`
  } catch {
    return `Attachment ${index + 1}`
  }
}

function NoteBubble({ note, userId, team }: { note: NoteRow; userId: string; team: TeamMember[] }) {
  return (
    <li class="note" data-testid="note" data-note-id={note.id}>
      <div class="note__bubble">
        <span class="note__head">
          <Icon name="lock" size={12} />
          Private note · {note.author_id ? memberLabel(note.author_id, userId, team) : 'Team'}
        </span>
        <p class="note__text" data-testid="note-body">
          {note.body}
        </p>
        <time dateTime={note.created_at} title={formatDateTime(note.created_at)}>
          {formatClock(note.created_at)}
        </time>
      </div>
    </li>
  )
}
