import { useEffect, useRef, useState } from 'preact/hooks'
import { serviceWindow } from '../conversation'
import type { ConversationModel } from '../models/conversation'
import type { Workspace } from '../models/workspace'
import { useStore } from '../store'
import { errorText, notify } from '../toasts'
import type { ConversationItem, Template } from '../types'
import { Icon } from './Icon'

/** WhatsApp's limit for one message; longer text is refused here rather than split unexpectedly. */
const MAX_LENGTH = 1600

type Mode = 'reply' | 'note'

interface Props {
  workspace: Workspace
  model: ConversationModel
  item: ConversationItem
  now: number
  notesAvailable: boolean
}

export function Composer({ workspace, model, item, now, notesAvailable }: Props) {
  const [mode, setMode] = useState<Mode>('reply')
  const windowOpen = serviceWindow(item.last_inbound_at, now).open
  const resolved = item.status === 'resolved'
  const name = item.customer?.name || item.customer?.phone || 'the customer'

  return (
    <div class={`composer composer--${mode}`} data-testid="composer">
      <div class="composer__tabs" role="tablist" aria-label="Write">
        <button
          type="button"
          role="tab"
          id="composer-tab-reply"
          aria-selected={mode === 'reply'}
          aria-controls="composer-panel"
          class={`composer__tab ${mode === 'reply' ? 'is-active' : ''}`}
          onClick={() => setMode('reply')}
        >
          <Icon name="send" size={14} />
          Reply
        </button>
        <button
          type="button"
          role="tab"
          id="composer-tab-note"
          aria-selected={mode === 'note'}
          aria-controls="composer-panel"
          class={`composer__tab ${mode === 'note' ? 'is-active' : ''}`}
          onClick={() => setMode('note')}
          disabled={!notesAvailable}
          title={notesAvailable ? 'Only your team sees notes' : 'Notes are not available yet'}
        >
          <Icon name="lock" size={14} />
          Private note
        </button>
      </div>
      <div id="composer-panel" role="tabpanel" aria-labelledby={`composer-tab-${mode}`}>
        {mode === 'note' ? (
          <NoteForm model={model} />
        ) : resolved ? (
          <p class="composer__notice" data-testid="composer-resolved">
            <Icon name="checkCircle" size={16} />
            This conversation is resolved. When {name} writes again, a new conversation opens in the inbox.
          </p>
        ) : windowOpen ? (
          <TextReply model={model} item={item} name={name} />
        ) : (
          <TemplateReply workspace={workspace} model={model} item={item} name={name} />
        )}
      </div>
    </div>
  )
}

function TextReply({ model, item, name }: { model: ConversationModel; item: ConversationItem; name: string }) {
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const area = useRef<HTMLTextAreaElement>(null)
  useEffect(() => area.current?.focus(), [model])

  const tooLong = text.length > MAX_LENGTH
  const send = async () => {
    const body = text.trim()
    if (body === '' || tooLong || busy) return
    setBusy(true)
    try {
      await model.sendText(body)
      setText('')
      notify('success', 'Reply sent')
    } catch (error) {
      notify('error', `Reply not sent: ${errorText(error)}`)
    } finally {
      setBusy(false)
      area.current?.focus()
    }
  }

  return (
    <form
      class="composer__form"
      onSubmit={(e) => {
        e.preventDefault()
        void send()
      }}
    >
      <label for="reply-text" class="visually-hidden">
        Reply to {name}
      </label>
      <textarea
        ref={area}
        id="reply-text"
        data-testid="reply-text"
        rows={3}
        placeholder={`Reply to ${name} on WhatsApp…`}
        value={text}
        aria-describedby="reply-hint"
        aria-invalid={tooLong}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault()
            void send()
          }
        }}
      />
      <div class="composer__footer">
        <span id="reply-hint" class="composer__hint">
          {item.status === 'bot' ? 'Sending takes the conversation over from the bot. ' : ''}
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> sends
          {text.length > MAX_LENGTH - 200 && (
            <span class={tooLong ? 'composer__count is-over' : 'composer__count'}>
              {' '}
              · {text.length}/{MAX_LENGTH}
            </span>
          )}
        </span>
        <button
          type="submit"
          class="button button--primary"
          data-testid="send-reply"
          disabled={busy || text.trim() === '' || tooLong}
        >
          <Icon name="send" size={15} />
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  )
}

/** The placeholders of a template body, in order: "{{1}} … {{2}}" → ["1", "2"]. */
export function templateVariables(body: string): string[] {
  const names = new Set<string>()
  for (const match of body.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)) if (match[1]) names.add(match[1])
  return [...names].sort((a, b) => (Number(a) || 0) - (Number(b) || 0) || a.localeCompare(b))
}

export function renderTemplate(body: string, values: Record<string, string>): string {
  return body.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => values[name]?.trim() || whole)
}

function TemplateReply({
  workspace,
  model,
  item,
  name,
}: {
  workspace: Workspace
  model: ConversationModel
  item: ConversationItem
  name: string
}) {
  const templates = useStore(workspace.templates)
  const [selected, setSelected] = useState<string>('')
  const [values, setValues] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)

  useEffect(() => void workspace.loadTemplates(), [workspace])

  const template: Template | undefined = templates.list?.find((t) => t.content_sid === selected)
  const variables = template ? (template.variables ?? templateVariables(template.body)) : []
  const complete = variables.every((v) => (values[v] ?? '').trim() !== '')

  const send = async () => {
    if (!template || !complete || busy) return
    setBusy(true)
    try {
      const filled = Object.fromEntries(variables.map((v) => [v, (values[v] ?? '').trim()]))
      await model.sendTemplate(template.content_sid, filled)
      setSelected('')
      setValues({})
      notify('success', `Template “${template.name}” sent`)
    } catch (error) {
      notify('error', `Template not sent: ${errorText(error)}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      class="composer__form composer__form--template"
      data-testid="template-reply"
      onSubmit={(e) => {
        e.preventDefault()
        void send()
      }}
    >
      <p class="composer__notice composer__notice--warn" data-testid="window-closed-notice">
        <Icon name="lock" size={16} />
        {item.last_inbound_at
          ? `${name} last wrote more than 24 hours ago. WhatsApp only allows approved templates until they write again.`
          : `${name} has not written yet. WhatsApp only allows approved templates.`}
      </p>
      {templates.error && (
        <p class="alert" role="alert">
          Templates could not be loaded: {templates.error}
        </p>
      )}
      <label for="template-select">Approved template</label>
      <select
        id="template-select"
        data-testid="template-select"
        value={selected}
        disabled={templates.list === null}
        onChange={(e) => {
          setSelected((e.target as HTMLSelectElement).value)
          setValues({})
        }}
      >
        <option value="">{templates.list === null ? 'Loading templates…' : 'Choose a template…'}</option>
        {(templates.list ?? []).map((t) => (
          <option key={t.content_sid} value={t.content_sid}>
            {t.name} ({t.language})
          </option>
        ))}
      </select>
      {template && (
        <>
          {variables.map((v) => (
            <div class="template-var" key={v}>
              <label for={`template-var-${v}`}>Value for {`{{${v}}}`}</label>
              <input
                id={`template-var-${v}`}
                data-testid={`template-var-${v}`}
                value={values[v] ?? ''}
                required
                onInput={(e) => setValues({ ...values, [v]: (e.target as HTMLInputElement).value })}
              />
            </div>
          ))}
          <p class="template-preview" data-testid="template-preview" aria-label="Preview">
            {renderTemplate(template.body, values)}
          </p>
        </>
      )}
      <div class="composer__footer">
        <span class="composer__hint">Templates can be sent at any time.</span>
        <button
          type="submit"
          class="button button--primary"
          data-testid="send-template"
          disabled={!template || !complete || busy}
        >
          <Icon name="template" size={15} />
          {busy ? 'Sending…' : 'Send template'}
        </button>
      </div>
    </form>
  )
}

function NoteForm({ model }: { model: ConversationModel }) {
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const area = useRef<HTMLTextAreaElement>(null)
  useEffect(() => area.current?.focus(), [])

  const save = async () => {
    const body = text.trim()
    if (body === '' || busy) return
    setBusy(true)
    try {
      await model.addNote(body)
      setText('')
      notify('success', 'Note added')
    } catch (error) {
      notify('error', `Note not added: ${errorText(error)}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      class="composer__form"
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <label for="note-text" class="visually-hidden">
        Note for your team
      </label>
      <textarea
        ref={area}
        id="note-text"
        data-testid="note-text"
        rows={3}
        placeholder="Add a private note: only your team sees it, it is never sent to the customer"
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault()
            void save()
          }
        }}
      />
      <div class="composer__footer">
        <span class="composer__hint">
          <Icon name="lock" size={12} /> Never sent to WhatsApp
        </span>
        <button type="submit" class="button button--note" data-testid="add-note" disabled={busy || text.trim() === ''}>
          <Icon name="note" size={15} />
          {busy ? 'Saving…' : 'Add note'}
        </button>
      </div>
    </form>
  )
}
