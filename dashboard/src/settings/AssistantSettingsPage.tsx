import { useEffect, useMemo, useState } from 'preact/hooks'
import { formatDateTime } from '../format'
import type { Workspace } from '../models/workspace'
import { errorText, notify } from '../toasts'
import {
  DAYS,
  editable,
  SettingsApi,
  type AssistantSettings,
  type CurrentSettings,
  type Day,
  type SettingsVersion,
  type TryAnswer,
} from './api'
import './settings.css'

const DAY_LABELS: Record<Day, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' }

/** #/settings/assistant: the assistant's name, persona, greeting, languages, hours, hand-off rules and
 * answer length (owners and admins edit, agents read), its versions with revert, and a "try it" panel that
 * answers a question with the unsaved draft. */
export function AssistantSettingsPage({ workspace }: { workspace: Workspace }) {
  const api = useMemo(() => new SettingsApi(workspace.api), [workspace])
  const storeId = workspace.storeId
  const canEdit = workspace.membership.role !== 'agent'
  const [current, setCurrent] = useState<CurrentSettings | null>(null)
  const [draft, setDraft] = useState<AssistantSettings | null>(null)
  const [versions, setVersions] = useState<SettingsVersion[]>([])
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)

  const load = async () => {
    try {
      const [settings, list] = await Promise.all([api.assistant(storeId), api.versions(storeId)])
      setCurrent(settings)
      setDraft(editable(settings))
      setVersions(list)
      setError(null)
    } catch (e) {
      setError(errorText(e))
    }
  }
  useEffect(() => {
    void load()
  }, [storeId])

  if (error) {
    return (
      <p class="alert alert--page" role="alert" data-testid="assistant-settings-error">
        {error}
      </p>
    )
  }
  if (!current || !draft) return <p class="muted settings-loading">Loading the assistant settings…</p>

  const change = (patch: Partial<AssistantSettings>) => setDraft({ ...draft, ...patch })
  const save = async () => {
    setSaving(true)
    try {
      const saved = await api.saveAssistant(storeId, draft)
      notify('success', `Saved as version ${saved.version}`)
      await load()
    } catch (e) {
      notify('error', errorText(e))
    } finally {
      setSaving(false)
    }
  }
  const revert = async (version: number) => {
    try {
      const saved = await api.revert(storeId, version)
      notify('success', `Version ${version} is current again (as version ${saved.version})`)
      await load()
    } catch (e) {
      notify('error', errorText(e))
    }
  }

  return (
    <main class="settings" data-testid="assistant-settings-page" aria-labelledby="assistant-settings-heading">
      <header class="settings__head">
        <h1 id="assistant-settings-heading">Assistant</h1>
        <p class="muted">
          How the assistant speaks for the shop, when it answers and when it hands over. Both the AI and the offline
          responder follow these settings.{' '}
          {current.version ? `Version ${current.version}, ${current.updated_by ?? ''} ${formatDateTime(current.updated_at ?? '')}.` : 'Not saved yet: the defaults apply.'}
        </p>
        {canEdit && (
          <p class="settings__link">
            <a href="#/settings/notifications" data-testid="notifications-link">
              Order updates and abandoned-checkout messages
            </a>
          </p>
        )}
      </header>
      <div class="settings__grid">
        <form
          class="settings__form"
          onSubmit={(e) => {
            e.preventDefault()
            void save()
          }}
        >
          <fieldset disabled={!canEdit || saving}>
            <legend>Persona</legend>
            <label class="field">
              <span>Name</span>
              <input data-testid="assistant-name" value={draft.name} maxLength={40} required onInput={(e) => change({ name: value(e) })} />
            </label>
            <label class="field field--check">
              <input type="checkbox" data-testid="assistant-enabled" checked={draft.enabled} onChange={(e) => change({ enabled: checked(e) })} />
              <span>Assistant on (off: every message goes to the team)</span>
            </label>
            <div class="field-row">
              <Select label="Tone" value={draft.tone} options={['friendly', 'professional', 'cheerful', 'calm']} onChange={(tone) => change({ tone: tone as AssistantSettings['tone'] })} />
              <Select label="Formality" value={draft.formality} options={['casual', 'polite', 'formal']} onChange={(formality) => change({ formality: formality as AssistantSettings['formality'] })} />
              <Select
                label="Address customers as"
                value={draft.address}
                options={['kak', 'first_name', 'kak_first_name', 'formal', 'none']}
                onChange={(address) => change({ address: address as AssistantSettings['address'] })}
              />
            </div>
            <label class="field field--check">
              <input type="checkbox" checked={draft.emoji} onChange={(e) => change({ emoji: checked(e) })} />
              <span>Emoji</span>
            </label>
            <label class="field">
              <span>Greeting of a new conversation ({'{name}'} and {'{shop}'} are filled in; empty: the built-in one, which introduces the assistant by name)</span>
              <textarea data-testid="assistant-greeting" rows={2} maxLength={500} value={draft.greeting ?? ''} onInput={(e) => change({ greeting: value(e) || null })} />
            </label>
            <label class="field">
              <span>More about how to speak</span>
              <textarea rows={2} maxLength={2000} value={draft.persona_notes ?? ''} onInput={(e) => change({ persona_notes: value(e) || null })} />
            </label>
            <div class="field-row">
              <label class="field field--check">
                <input type="checkbox" checked={draft.languages.includes('id')} onChange={(e) => change({ languages: toggle(draft.languages, 'id', checked(e)) })} />
                <span>Indonesian</span>
              </label>
              <label class="field field--check">
                <input type="checkbox" checked={draft.languages.includes('en')} onChange={(e) => change({ languages: toggle(draft.languages, 'en', checked(e)) })} />
                <span>English</span>
              </label>
              <label class="field">
                <span>Longest answer (characters)</span>
                <input type="number" min={160} max={4800} value={draft.max_answer_chars} onInput={(e) => change({ max_answer_chars: Number(value(e)) })} />
              </label>
            </div>
          </fieldset>
          <fieldset disabled={!canEdit || saving}>
            <legend>Business hours</legend>
            <label class="field">
              <span>Time zone</span>
              <input value={draft.timezone} onInput={(e) => change({ timezone: value(e) })} />
            </label>
            <table class="hours">
              <tbody>
                {DAYS.map((day) => (
                  <tr key={day}>
                    <th scope="row">{DAY_LABELS[day]}</th>
                    <td>
                      <input
                        aria-label={`${DAY_LABELS[day]} hours`}
                        placeholder="closed"
                        value={draft.business_hours[day].map((p) => `${p.open}-${p.close}`).join(', ')}
                        onChange={(e) => change({ business_hours: { ...draft.business_hours, [day]: parsePeriods(value(e)) } })}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Select
              label="Outside hours"
              value={draft.outside_hours}
              options={['answer', 'away']}
              labels={{ answer: 'Answer, and say the team follows up', away: 'Send everything to the team with the away message' }}
              onChange={(outside) => change({ outside_hours: outside as AssistantSettings['outside_hours'] })}
            />
            <label class="field">
              <span>Away message ({'{opens}'} is the next opening time; empty: the built-in one)</span>
              <textarea rows={2} maxLength={500} value={draft.away_message ?? ''} onInput={(e) => change({ away_message: value(e) || null })} />
            </label>
          </fieldset>
          <fieldset disabled={!canEdit || saving}>
            <legend>Hand-off</legend>
            <label class="field">
              <span>Topics that always go to a person (comma-separated)</span>
              <input
                data-testid="assistant-topics"
                value={draft.handoff_topics.join(', ')}
                onChange={(e) => change({ handoff_topics: value(e).split(',').map((t) => t.trim()).filter(Boolean) })}
              />
            </label>
            <label class="field">
              <span>Hand off when the classifier is less sure than (0 to 1; 0: never)</span>
              <input type="number" min={0} max={1} step={0.05} value={draft.handoff_min_confidence} onInput={(e) => change({ handoff_min_confidence: Number(value(e)) })} />
            </label>
          </fieldset>
          {canEdit && (
            <div class="settings__actions">
              <button type="submit" class="button button--primary" data-testid="assistant-save" disabled={saving}>
                Save
              </button>
              <button type="button" class="button button--ghost" onClick={() => setDraft(editable(current))}>
                Discard changes
              </button>
            </div>
          )}
        </form>
        <aside class="settings__side">
          {canEdit && <TryIt api={api} storeId={storeId} draft={draft} />}
          <Versions versions={versions} canEdit={canEdit} onRevert={(v) => void revert(v)} />
        </aside>
      </div>
    </main>
  )
}

function TryIt({ api, storeId, draft }: { api: SettingsApi; storeId: string; draft: AssistantSettings }) {
  const [question, setQuestion] = useState('')
  const [answer, setAnswer] = useState<TryAnswer | null>(null)
  const [busy, setBusy] = useState(false)
  const ask = async () => {
    setBusy(true)
    try {
      setAnswer(await api.tryIt(storeId, question, draft))
    } catch (e) {
      notify('error', errorText(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section class="settings__try" aria-labelledby="try-heading" data-testid="assistant-try">
      <h2 id="try-heading">Try it</h2>
      <p class="muted">A question answered with the settings on the left, before you save them. Nothing is stored or sent.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (question.trim()) void ask()
        }}
      >
        <input data-testid="assistant-try-question" value={question} placeholder="Halo kak, ada batik tulis?" onInput={(e) => setQuestion(value(e))} />
        <button type="submit" class="button" data-testid="assistant-try-ask" disabled={busy}>
          {busy ? 'Asking…' : 'Ask'}
        </button>
      </form>
      {answer && (
        <div class="try-answer" data-testid="assistant-try-answer">
          {answer.parts.map((part, i) => (
            <p key={i} class="try-answer__bubble">
              {part}
            </p>
          ))}
          <dl class="try-answer__facts">
            <dt>Answered by</dt>
            <dd>{answer.responder === 'llm' ? 'the AI model' : 'the offline responder'}{answer.fallback_reason ? ` (${answer.fallback_reason})` : ''}</dd>
            <dt>Hands off</dt>
            <dd>{answer.handoff ? `yes: ${answer.handoff_reason ?? ''}` : 'no'}</dd>
            <dt>Tools used</dt>
            <dd data-testid="assistant-try-tools">{answer.tool_calls.map((c) => c.name).join(', ') || 'none'}</dd>
            <dt>Documents used</dt>
            <dd>{answer.documents.map((d) => d.title).join(', ') || 'none'}</dd>
          </dl>
        </div>
      )}
    </section>
  )
}

function Versions({ versions, canEdit, onRevert }: { versions: SettingsVersion[]; canEdit: boolean; onRevert: (version: number) => void }) {
  return (
    <section class="settings__versions" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      {versions.length === 0 && <p class="muted">No saved versions yet.</p>}
      <ol class="versions" data-testid="assistant-versions">
        {versions.map((v, i) => (
          <li key={v.version}>
            <span>
              <strong>v{v.version}</strong> {v.settings.name} · {v.created_by_email ?? 'someone'} · {formatDateTime(v.created_at)}
              {v.reverted_from ? ` · revert to v${v.reverted_from}` : ''}
            </span>
            {canEdit && i > 0 && (
              <button type="button" class="button button--small" onClick={() => onRevert(v.version)}>
                Revert to this
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  )
}

function Select(props: { label: string; value: string; options: string[]; labels?: Record<string, string>; onChange: (value: string) => void }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {props.labels?.[o] ?? o.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </label>
  )
}

function value(e: Event): string {
  return (e.target as HTMLInputElement | HTMLTextAreaElement).value
}

function checked(e: Event): boolean {
  return (e.target as HTMLInputElement).checked
}

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? (list.includes(item) ? list : [...list, item]) : list.filter((x) => x !== item)
}

/** "09:00-12:00, 13:00-17:00" → periods; the API says what is wrong with a bad one. */
function parsePeriods(text: string): { open: string; close: string }[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [open = '', close = ''] = p.split('-').map((x) => x.trim())
      return { open, close }
    })
}
