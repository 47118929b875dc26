import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { formatDateTime, formatMoney } from '../format'
import type { Workspace } from '../models/workspace'
import { useStore } from '../store'
import { errorText, notify } from '../toasts'
import type { Template } from '../types'
import {
  BroadcastsApi,
  SKIP_REASONS,
  type BroadcastPreview,
  type BroadcastReport,
  type Condition,
  type Preset,
  type Rules,
  type SegmentPreview,
} from './api'
import './broadcasts.css'

/** The rule fields the segment editor offers, with their operators and what the value is. */
const FIELDS: { field: string; label: string; ops: string[]; kind: 'number' | 'text' | 'list' | 'bool' }[] = [
  { field: 'paid_orders', label: 'Paid orders', ops: ['>=', '<=', '=', '!=', '>', '<'], kind: 'number' },
  { field: 'total_spent', label: 'Total spent', ops: ['>=', '<=', '>', '<', '=', '!='], kind: 'number' },
  { field: 'total_spent_percentile', label: 'Spend percentile (0-100)', ops: ['>=', '<='], kind: 'number' },
  { field: 'days_since_last_order', label: 'Days since last order', ops: ['<=', '>=', '>', '<', '='], kind: 'number' },
  { field: 'days_since_last_message', label: 'Days since last message', ops: ['<=', '>=', '>', '<', '='], kind: 'number' },
  { field: 'bought_product', label: 'Bought product (id)', ops: ['=', '!='], kind: 'text' },
  { field: 'bought_category', label: 'Bought in category', ops: ['=', '!='], kind: 'text' },
  { field: 'city', label: 'City', ops: ['=', '!=', 'in', 'not_in'], kind: 'text' },
  { field: 'province', label: 'Province', ops: ['=', '!=', 'in', 'not_in'], kind: 'text' },
  { field: 'label', label: 'Label', ops: ['=', '!='], kind: 'text' },
  { field: 'opted_in', label: 'Opted in to marketing', ops: ['='], kind: 'bool' },
  { field: 'language', label: 'Language (id, en)', ops: ['=', '!='], kind: 'text' },
]

interface SegmentRow {
  id: string
  name: string
  rules: Rules
}

function useSegments(workspace: Workspace, version: number): SegmentRow[] {
  const [rows, setRows] = useState<SegmentRow[]>([])
  useEffect(() => {
    void workspace.client
      .from('segments')
      .select('id, name, rules')
      .eq('store_id', workspace.storeId)
      .order('name')
      .then(({ data }) => setRows((data ?? []) as SegmentRow[]))
  }, [workspace, version])
  return rows
}

function NotForAgents({ what }: { what: string }) {
  return (
    <p class="alert alert--page" role="alert" data-testid="broadcasts-forbidden">
      {what} are for the store’s owners and admins.
    </p>
  )
}

function conditionValue(kind: string, op: string, text: string): unknown {
  if (kind === 'number') return Number(text)
  if (kind === 'bool') return text !== 'false'
  if (op === 'in' || op === 'not_in') return text.split(',').map((s) => s.trim()).filter(Boolean)
  return text
}

function valueText(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : String(value ?? '')
}

/** #/segments: saved segments, and an editor whose count and sample follow the rules as they change. */
export function SegmentsRoute({ workspace }: { workspace: Workspace }) {
  return workspace.membership.role === 'agent' ? <NotForAgents what="Segments" /> : <SegmentsPage workspace={workspace} />
}

export function BroadcastsRoute({ workspace }: { workspace: Workspace }) {
  return workspace.membership.role === 'agent' ? <NotForAgents what="Broadcasts" /> : <BroadcastsPage workspace={workspace} />
}

function SegmentsPage({ workspace }: { workspace: Workspace }) {
  const api = useMemo(() => new BroadcastsApi(workspace.api), [workspace])
  const [version, setVersion] = useState(0)
  const segments = useSegments(workspace, version)
  const [presets, setPresets] = useState<Preset[]>([])
  const [editing, setEditing] = useState<string | null>(null)
  const [name, setName] = useState('')
  const [combine, setCombine] = useState<'all' | 'any'>('all')
  const [conditions, setConditions] = useState<Condition[]>([{ field: 'paid_orders', op: '>=', value: 1 }])
  const [preview, setPreview] = useState<SegmentPreview | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const rules: Rules = combine === 'all' ? { all: conditions } : { any: conditions }
  const rulesKey = JSON.stringify(rules)

  useEffect(() => {
    void api.presets(workspace.storeId).then(setPresets, () => setPresets([]))
  }, [api, workspace])
  useEffect(() => {
    const timer = setTimeout(() => {
      api.previewSegment(workspace.storeId, rules).then(
        (p) => {
          setPreview(p)
          setProblem(null)
        },
        (error) => {
          setPreview(null)
          setProblem(errorText(error))
        },
      )
    }, 250)
    return () => clearTimeout(timer)
  }, [api, workspace, rulesKey])

  const load = (segmentName: string, loaded: Rules, id: string | null) => {
    const [key, list] = Object.entries(loaded)[0] ?? ['all', []]
    setEditing(id)
    setName(segmentName)
    setCombine(key === 'any' ? 'any' : 'all')
    setConditions((list as Condition[]).filter((c) => 'field' in c))
  }
  const change = (index: number, next: Partial<Condition>) =>
    setConditions((list) => list.map((c, i) => (i === index ? { ...c, ...next } : c)))
  const save = async () => {
    try {
      const saved = await api.saveSegment(workspace.storeId, name, rules, editing)
      notify('success', `Segment saved: ${saved.count} customers`)
      setEditing(saved.id)
      setVersion((v) => v + 1)
    } catch (error) {
      notify('error', errorText(error))
    }
  }

  return (
    <main class="crm" data-testid="segments-page" aria-labelledby="segments-heading">
      <header class="crm__head">
        <h1 id="segments-heading">Segments</h1>
        <p class="muted">Groups of customers by what they bought, when, where and whether they want promotions.</p>
      </header>
      <div class="crm__grid">
        <section class="crm__list" aria-label="Saved segments">
          <h2>Saved</h2>
          <ul>
            {segments.map((s) => (
              <li key={s.id}>
                <button type="button" class="button button--ghost" onClick={() => load(s.name, s.rules, s.id)}>
                  {s.name}
                </button>
              </li>
            ))}
          </ul>
          <h2>Ready-made</h2>
          <ul>
            {presets.map((p) => (
              <li key={p.key}>
                <button type="button" class="button button--ghost" title={p.description} data-testid={`preset-${p.key}`}
                  onClick={() => load(p.name, p.rules, null)}>
                  {p.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section class="crm__editor" aria-label="Segment editor">
          <label class="crm__field">
            Name
            <input data-testid="segment-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label class="crm__field">
            Customers who match
            <select data-testid="segment-combine" value={combine}
              onChange={(e) => setCombine((e.target as HTMLSelectElement).value as 'all' | 'any')}>
              <option value="all">all of these</option>
              <option value="any">any of these</option>
            </select>
          </label>
          {conditions.map((c, i) => {
            const field = FIELDS.find((f) => f.field === c.field) ?? FIELDS[0]!
            return (
              <div class="crm__rule" key={i} data-testid="segment-rule">
                <select aria-label="Field" value={c.field} onChange={(e) => {
                  const next = FIELDS.find((f) => f.field === (e.target as HTMLSelectElement).value) ?? FIELDS[0]!
                  change(i, { field: next.field, op: next.ops[0]!, value: next.kind === 'bool' ? true : next.kind === 'number' ? 0 : '' })
                }}>
                  {FIELDS.map((f) => <option key={f.field} value={f.field}>{f.label}</option>)}
                </select>
                <select aria-label="Operator" value={c.op} onChange={(e) => change(i, { op: (e.target as HTMLSelectElement).value })}>
                  {field.ops.map((op) => <option key={op} value={op}>{op.replace('_', ' ')}</option>)}
                </select>
                {field.kind === 'bool' ? (
                  <select aria-label="Value" value={String(c.value)} onChange={(e) => change(i, { value: (e.target as HTMLSelectElement).value === 'true' })}>
                    <option value="true">yes</option>
                    <option value="false">no</option>
                  </select>
                ) : (
                  <input aria-label="Value" data-testid="segment-value" value={valueText(c.value)}
                    onInput={(e) => change(i, { value: conditionValue(field.kind, c.op, (e.target as HTMLInputElement).value) })} />
                )}
                <button type="button" class="button button--ghost button--small" aria-label="Remove condition"
                  onClick={() => setConditions((list) => list.filter((_, j) => j !== i))}>✕</button>
              </div>
            )
          })}
          <div class="crm__actions">
            <button type="button" class="button" data-testid="segment-add-rule"
              onClick={() => setConditions((list) => [...list, { field: 'opted_in', op: '=', value: true }])}>
              Add condition
            </button>
            <button type="button" class="button button--primary" data-testid="segment-save" disabled={!name.trim() || !!problem}
              onClick={() => void save()}>
              Save segment
            </button>
          </div>
          {problem && <p class="alert" role="alert" data-testid="segment-problem">{problem}</p>}
          {preview && (
            <div class="crm__preview" aria-live="polite">
              <p>
                <strong data-testid="segment-count">{preview.count}</strong> customers match
              </p>
              <ul data-testid="segment-sample">
                {preview.sample.map((m) => <li key={m.id}>{m.name ?? 'No name'} <span class="muted">{m.phone ?? ''}</span></li>)}
              </ul>
            </div>
          )}
        </section>
      </div>
    </main>
  )
}

function placeholders(template: Template | undefined): string[] {
  if (!template) return []
  if (template.variables) return template.variables
  return [...new Set([...template.body.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => m[1]!))].sort()
}

interface BroadcastRow {
  id: string
  name: string
  status: string
  created_at: string
}

/** #/broadcasts: create (template, segment, variables, now or later), preview with who is skipped and why,
 * send/schedule/pause/cancel, and the counts as they move (polled every second while sending). */
function BroadcastsPage({ workspace }: { workspace: Workspace }) {
  const api = useMemo(() => new BroadcastsApi(workspace.api), [workspace])
  const templates = useStore(workspace.templates)
  const segments = useSegments(workspace, 0)
  const [list, setList] = useState<BroadcastRow[]>([])
  const [selected, setSelected] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const [form, setForm] = useState({ name: '', template: '', segment: '', sendAt: '' })
  const [variables, setVariables] = useState<Record<string, string>>({})
  const template = templates.list?.find((t) => (t.id ?? t.content_sid) === form.template)

  useEffect(() => void workspace.loadTemplates(), [workspace])
  useEffect(() => {
    void workspace.client
      .from('broadcasts')
      .select('id, name, status, created_at')
      .eq('store_id', workspace.storeId)
      .order('created_at', { ascending: false })
      .limit(50)
      .then(({ data }) => setList((data ?? []) as BroadcastRow[]))
  }, [workspace, version])

  const create = async (event: Event) => {
    event.preventDefault()
    if (!template?.id) return
    try {
      const created = await api.create(workspace.storeId, {
        name: form.name,
        template_id: template.id,
        segment_id: form.segment || null,
        variables,
        send_at: form.sendAt ? new Date(form.sendAt).toISOString() : null,
      })
      notify('success', `Broadcast created: ${created.recipients} recipients, ${created.skipped} skipped`)
      setSelected(created.id)
      setVersion((v) => v + 1)
    } catch (error) {
      notify('error', errorText(error))
    }
  }

  return (
    <main class="crm" data-testid="broadcasts-page" aria-labelledby="broadcasts-heading">
      <header class="crm__head">
        <h1 id="broadcasts-heading">Broadcasts</h1>
        <p class="muted">
          An approved WhatsApp template to a segment. Only customers who gave marketing consent and have not opted out
          receive it; a customer messaged by another broadcast recently is skipped.
        </p>
      </header>
      <div class="crm__grid">
        <section class="crm__list" aria-label="Broadcasts">
          <form class="crm__editor" onSubmit={(e) => void create(e)} data-testid="broadcast-form">
            <h2>New broadcast</h2>
            <label class="crm__field">
              Name
              <input data-testid="broadcast-name" required value={form.name}
                onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
            </label>
            <label class="crm__field">
              Template
              <select data-testid="broadcast-template" required value={form.template}
                onChange={(e) => {
                  const value = (e.target as HTMLSelectElement).value
                  const chosen = templates.list?.find((t) => (t.id ?? t.content_sid) === value)
                  setForm({ ...form, template: value })
                  setVariables(Object.fromEntries(placeholders(chosen).map((p, i) => [p, i === 0 ? '{{first_name}}' : ''])))
                }}>
                <option value="">Choose…</option>
                {templates.list?.map((t) => <option key={t.content_sid} value={t.id ?? t.content_sid}>{t.name} ({t.language})</option>)}
              </select>
            </label>
            {template && <p class="crm__template muted">{template.body}</p>}
            {Object.keys(variables).map((key) => (
              <label class="crm__field" key={key}>
                {`{{${key}}}`}
                <input data-testid={`broadcast-variable-${key}`} required value={variables[key]}
                  placeholder="text, or {{first_name}}, {{last_order_number}}"
                  onInput={(e) => setVariables({ ...variables, [key]: (e.target as HTMLInputElement).value })} />
              </label>
            ))}
            <label class="crm__field">
              Segment
              <select data-testid="broadcast-segment" value={form.segment}
                onChange={(e) => setForm({ ...form, segment: (e.target as HTMLSelectElement).value })}>
                <option value="">Everyone with marketing consent</option>
                {segments.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
              </select>
            </label>
            <label class="crm__field">
              Send at (empty: when you press Send)
              <input type="datetime-local" value={form.sendAt}
                onInput={(e) => setForm({ ...form, sendAt: (e.target as HTMLInputElement).value })} />
            </label>
            <button type="submit" class="button button--primary" data-testid="broadcast-create">Create and preview</button>
          </form>
          <ul class="crm__broadcasts">
            {list.map((b) => (
              <li key={b.id}>
                <button type="button" class="button button--ghost" onClick={() => setSelected(b.id)}>
                  {b.name} <span class="muted">{b.status}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        {selected && <BroadcastDetail key={selected} workspace={workspace} api={api} id={selected} onChange={() => setVersion((v) => v + 1)} />}
      </div>
    </main>
  )
}

const LIVE = new Set(['sending', 'scheduled'])

function BroadcastDetail({ workspace, api, id, onChange }: { workspace: Workspace; api: BroadcastsApi; id: string; onChange: () => void }) {
  const [report, setReport] = useState<BroadcastReport | null>(null)
  const [preview, setPreview] = useState<BroadcastPreview | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)

  useEffect(() => {
    let stopped = false
    const poll = async () => {
      try {
        const next = await api.report(workspace.storeId, id)
        if (stopped) return
        setReport(next)
        timer.current = setTimeout(() => void poll(), LIVE.has(next.status) ? 1000 : 5000)
      } catch (error) {
        if (!stopped) notify('error', errorText(error))
      }
    }
    void poll()
    void api.preview(workspace.storeId, id).then(setPreview, () => setPreview(null))
    return () => {
      stopped = true
      if (timer.current) clearTimeout(timer.current)
    }
  }, [api, workspace, id])

  const act = async (action: 'send' | 'pause' | 'cancel') => {
    try {
      const status = await api.change(workspace.storeId, id, action)
      setReport((r) => (r ? { ...r, status: status as BroadcastReport['status'] } : r))
      onChange()
    } catch (error) {
      notify('error', errorText(error))
    }
  }
  if (!report) return <p class="muted">Loading…</p>
  const c = report.counts
  const reached = c.sent + c.delivered + c.read + c.failed
  const rate = (n: number) => (reached ? `${Math.round((n / reached) * 100)}%` : '–')
  return (
    <section class="crm__detail" data-testid="broadcast-detail" aria-label={report.name}>
      <h2>
        {report.name} <span class="badge" data-testid="broadcast-status">{report.status}</span>
      </h2>
      {report.send_at && <p class="muted">Scheduled for {formatDateTime(report.send_at)}</p>}
      <div class="crm__actions">
        {(report.status === 'draft' || report.status === 'paused') && (
          <button type="button" class="button button--primary" data-testid="broadcast-send" onClick={() => void act('send')}>
            {report.send_at && new Date(report.send_at) > new Date() ? 'Schedule' : 'Send'}
          </button>
        )}
        {LIVE.has(report.status) && (
          <button type="button" class="button" data-testid="broadcast-pause" onClick={() => void act('pause')}>Pause</button>
        )}
        {!['completed', 'cancelled'].includes(report.status) && (
          <button type="button" class="button button--ghost" data-testid="broadcast-cancel" onClick={() => void act('cancel')}>Cancel</button>
        )}
      </div>
      <dl class="crm__counts" data-testid="broadcast-counts">
        {(['total', 'queued', 'sent', 'delivered', 'read', 'failed', 'skipped'] as const).map((k) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd data-testid={`count-${k}`}>{c[k]}</dd>
          </div>
        ))}
        <div><dt>delivery rate</dt><dd>{rate(c.delivered + c.read)}</dd></div>
        <div><dt>read rate</dt><dd>{rate(c.read)}</dd></div>
        <div><dt>replies</dt><dd data-testid="count-replies">{report.replies} ({rate(report.replies)})</dd></div>
        <div><dt>orders in 7 days</dt><dd>{report.orders}</dd></div>
        <div><dt>revenue</dt><dd>{formatMoney(report.revenue, report.currency)}</dd></div>
      </dl>
      {preview && (
        <div class="crm__preview">
          <h3>Preview</h3>
          {preview.messages.slice(0, 2).map((m) => (
            <p key={m.customer_id} class="crm__bubble" data-testid="broadcast-preview-message">{m.body}</p>
          ))}
          <p data-testid="broadcast-recipients">{preview.recipients} recipients, {preview.skipped} skipped</p>
          <ul data-testid="broadcast-skipped">
            {Object.entries(preview.skipped_by_reason).map(([reason, n]) => (
              <li key={reason}>{n} — {SKIP_REASONS[reason] ?? reason}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
