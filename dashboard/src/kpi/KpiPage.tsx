import type { ChartConfiguration } from 'chart.js'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { Icon } from '../components/Icon'
import { formatDateTime, formatDuration, formatMoney, humanize } from '../format'
import type { Workspace } from '../models/workspace'
import { useStore } from '../store'
import { ChartCanvas } from './ChartCanvas'
import { download, toCsv, type Cell } from './csv'
import type { Figures, LabelShare } from './data'
import './kpi.css'
import { KpiModel, type InsightsState, type KpiState } from './model'
import { describePeriod, localDate, presetLabel, type Bucket, type Period, type Preset, type Selection } from './period'

/** The store's KPIs for a period, against the period before: tiles, charts with CSV export, and an insights
 * paragraph. Everything is read from the SQL KPI functions; the page follows new messages and orders live. */
export function KpiPage({ workspace }: { workspace: Workspace }) {
  const model = useMemo(() => new KpiModel(workspace), [workspace])
  useEffect(() => {
    model.start()
    return () => model.dispose()
  }, [model])
  const state = useStore(model.state)
  const { period, previous, current, before } = state

  return (
    <main
      class="kpi"
      data-testid="kpi-page"
      aria-labelledby="kpi-heading"
      aria-busy={state.loading}
      data-from={period?.from.toISOString() ?? ''}
      data-to={period?.to.toISOString() ?? ''}
      data-previous-from={previous?.from.toISOString() ?? ''}
      data-previous-to={previous?.to.toISOString() ?? ''}
      data-bucket={state.bucket}
      data-read-at={state.readAt ?? ''}
    >
      <header class="kpi__head">
        <div>
          <h1 id="kpi-heading">KPIs</h1>
          {period && previous && (
            <p class="muted" data-testid="kpi-period">
              {describePeriod(period, model.timeZone)} ({model.timeZone}), compared with{' '}
              {describePeriod(previous, model.timeZone)}
            </p>
          )}
        </div>
        <PeriodPicker selection={state.selection} timeZone={model.timeZone} onSelect={(s) => model.select(s)} />
      </header>
      {state.error && (
        <p class="alert" role="alert" data-testid="kpi-error">
          {state.error}
        </p>
      )}
      {current && before && period && previous ? (
        <>
          <Tiles current={current} before={before} currency={model.currency} />
          <InsightsPanel insights={state.insights} onRegenerate={() => void model.writeInsights()} />
          <Charts
            state={state}
            current={current}
            before={before}
            period={period}
            timeZone={model.timeZone}
          />
          <p class="kpi__foot muted" data-testid="kpi-updated">
            Figures read {state.readAt ? formatDateTime(new Date(state.readAt).toISOString()) : ''}; they update as
            messages and orders arrive.
          </p>
        </>
      ) : (
        !state.error && (
          <p class="muted" data-testid="kpi-loading">
            Reading the figures…
          </p>
        )
      )}
    </main>
  )
}

// Period -------------------------------------------------------------------------------------------------------

const PRESETS: Preset[] = ['today', '7d', '30d', 'custom']

function PeriodPicker({
  selection,
  timeZone,
  onSelect,
}: {
  selection: Selection
  timeZone: string
  onSelect: (selection: Selection) => void
}) {
  const [from, setFrom] = useState(selection.customFrom)
  const [to, setTo] = useState(selection.customTo)
  const today = localDate(new Date(), timeZone)
  return (
    <div class="kpi-period">
      <div class="kpi-period__presets" role="group" aria-label="Period">
        {PRESETS.map((preset) => (
          <button
            key={preset}
            type="button"
            class="kpi-period__preset"
            aria-pressed={selection.preset === preset}
            data-testid={`period-${preset}`}
            onClick={() => onSelect({ ...selection, preset })}
          >
            {presetLabel(preset)}
          </button>
        ))}
      </div>
      {selection.preset === 'custom' && (
        <form
          class="kpi-period__custom"
          onSubmit={(event) => {
            event.preventDefault()
            onSelect({ preset: 'custom', customFrom: from, customTo: to })
          }}
        >
          <label>
            From
            <input
              type="date"
              value={from}
              max={today}
              required
              onInput={(e) => setFrom(e.currentTarget.value)}
              data-testid="period-from"
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={to}
              max={today}
              required
              onInput={(e) => setTo(e.currentTarget.value)}
              data-testid="period-to"
            />
          </label>
          <button type="submit" class="button button--small">
            Apply
          </button>
        </form>
      )}
    </div>
  )
}

// Tiles --------------------------------------------------------------------------------------------------------

type Better = 'up' | 'down'

interface Tile {
  key: string
  label: string
  value: number | null
  previous: number | null
  display: (value: number | null) => string
  /** How the change reads: relative for amounts, percentage points for rates. */
  change: 'relative' | 'points'
  better: Better
  detail: string
}

const percent = (value: number | null): string => (value === null ? '–' : `${(value * 100).toFixed(1)}%`)
const duration = (seconds: number | null): string => (seconds === null ? '–' : formatDuration(seconds * 1000))
const integer = (value: number | null): string => (value === null ? '–' : value.toLocaleString())

function tilesOf(now: Figures, was: Figures, currency: string): Tile[] {
  const money = (value: number | null) => (value === null ? '–' : formatMoney(value, currency))
  const of = (r: { numerator: number; denominator: number }) => `${integer(r.numerator)} of ${integer(r.denominator)}`
  return [
    {
      key: 'inbound',
      label: 'Inbound messages',
      value: now.inbound,
      previous: was.inbound,
      display: integer,
      change: 'relative',
      better: 'up',
      detail: 'From customers',
    },
    {
      key: 'outbound',
      label: 'Outbound messages',
      value: now.outbound,
      previous: was.outbound,
      display: integer,
      change: 'relative',
      better: 'up',
      detail: 'Assistant and team, no broadcasts',
    },
    {
      key: 'bot-first-response',
      label: 'Bot first response (p50)',
      value: now.botFirstResponse.p50_seconds,
      previous: was.botFirstResponse.p50_seconds,
      display: duration,
      change: 'relative',
      better: 'down',
      detail: `p90 ${duration(now.botFirstResponse.p90_seconds)} · ${integer(now.botFirstResponse.n)} conversations`,
    },
    {
      key: 'human-first-response',
      label: 'Human first response (p50)',
      value: now.humanFirstResponse.p50_seconds,
      previous: was.humanFirstResponse.p50_seconds,
      display: duration,
      change: 'relative',
      better: 'down',
      detail: `p90 ${duration(now.humanFirstResponse.p90_seconds)} · ${integer(now.humanFirstResponse.n)} handoffs`,
    },
    {
      key: 'bot-resolution',
      label: 'Bot resolution',
      value: now.botResolution.value,
      previous: was.botResolution.value,
      display: percent,
      change: 'points',
      better: 'up',
      detail: `${of(now.botResolution)} · ${integer(now.botResolution.confirmed)} confirmed, ${integer(now.botResolution.assumed)} assumed`,
    },
    {
      key: 'escalation',
      label: 'Escalation',
      value: now.escalation.value,
      previous: was.escalation.value,
      display: percent,
      change: 'points',
      better: 'down',
      detail: `${of(now.escalation)} conversations`,
    },
    {
      key: 'aov',
      label: 'Average order value',
      value: now.aov.value,
      previous: was.aov.value,
      display: money,
      change: 'relative',
      better: 'up',
      detail: `${integer(now.aov.orders)} paid orders · ${money(now.aov.revenue)}`,
    },
    {
      key: 'conversion',
      label: 'Conversion',
      value: now.conversion.value,
      previous: was.conversion.value,
      display: percent,
      change: 'points',
      better: 'up',
      detail: `${of(now.conversion)} customers who chatted paid within 7 days`,
    },
    {
      key: 'recovered',
      label: 'Recovered revenue',
      value: now.recovered.value,
      previous: was.recovered.value,
      display: money,
      change: 'relative',
      better: 'up',
      detail: `${integer(now.recovered.orders)} of ${integer(now.recovered.reminded)} reminded checkouts paid within 72 h of the WhatsApp reminder`,
    },
    {
      key: 'acquisition',
      label: 'New customers',
      value: now.acquisition,
      previous: was.acquisition,
      display: integer,
      change: 'relative',
      better: 'up',
      detail: 'First order or first conversation',
    },
    {
      key: 'retention',
      label: 'Retention',
      value: now.retention.value,
      previous: was.retention.value,
      display: percent,
      change: 'points',
      better: 'up',
      detail: `${of(now.retention)} customers`,
    },
  ]
}

function Tiles({ current, before, currency }: { current: Figures; before: Figures; currency: string }) {
  return (
    <ul class="kpi-tiles" aria-label="Figures of the period">
      {tilesOf(current, before, currency).map((tile) => {
        const delta = deltaOf(tile)
        return (
          <li key={tile.key} class="kpi-tile" data-testid={`kpi-${tile.key}`} data-value={tile.value ?? ''}>
            <span class="kpi-tile__label">{tile.label}</span>
            <span class="kpi-tile__value" data-testid={`kpi-${tile.key}-value`}>
              {tile.display(tile.value)}
            </span>
            <span class={`kpi-tile__delta kpi-tile__delta--${delta.tone}`} data-testid={`kpi-${tile.key}-delta`}>
              {delta.text} <span class="muted">vs {tile.display(tile.previous)}</span>
            </span>
            <span class="kpi-tile__detail">{tile.detail}</span>
          </li>
        )
      })}
    </ul>
  )
}

function deltaOf(tile: Tile): { text: string; tone: 'good' | 'bad' | 'flat' } {
  const { value, previous } = tile
  if (value === null || previous === null) return { text: 'no comparison', tone: 'flat' }
  const difference = value - previous
  let text: string
  if (tile.change === 'points') {
    text = `${difference >= 0 ? '+' : '−'}${Math.abs(difference * 100).toFixed(1)} pp`
  } else if (previous === 0) {
    return { text: value === 0 ? 'no change' : 'new', tone: 'flat' }
  } else {
    text = `${difference >= 0 ? '+' : '−'}${Math.abs((difference / previous) * 100).toFixed(1)}%`
  }
  if (Math.abs(difference) < 1e-9) return { text: 'no change', tone: 'flat' }
  const improved = tile.better === 'up' ? difference > 0 : difference < 0
  return { text: `${difference > 0 ? '▲' : '▼'} ${text}`, tone: improved ? 'good' : 'bad' }
}

// Insights -----------------------------------------------------------------------------------------------------

function InsightsPanel({ insights, onRegenerate }: { insights: InsightsState; onRegenerate: () => void }) {
  return (
    <section
      class="kpi-insights"
      aria-labelledby="insights-heading"
      data-testid="kpi-insights"
      data-status={insights.status}
    >
      <div class="kpi-insights__head">
        <h2 id="insights-heading">
          <Icon name="sparkle" size={16} /> Insights
        </h2>
        <button
          type="button"
          class="button button--small"
          onClick={onRegenerate}
          disabled={insights.status === 'loading'}
          data-testid="insights-regenerate"
        >
          {insights.status === 'loading' ? 'Writing…' : 'Regenerate'}
        </button>
      </div>
      {insights.paragraph && (
        <p class="kpi-insights__text" data-testid="insights-paragraph">
          {insights.paragraph}
        </p>
      )}
      {insights.status === 'ready' && (
        <p class="muted kpi-insights__meta" data-testid="insights-source" data-source={insights.source ?? ''}>
          {insights.source === 'llm'
            ? 'Written by the LLM from the figures above; every number in it was checked against them.'
            : 'Written from the figures by fixed rules (no LLM configured, or its answer did not pass the check).'}
          {insights.generatedAt ? ` ${formatDateTime(insights.generatedAt)}.` : ''}
          {insights.stale ? ' The figures have changed since: regenerate to include them.' : ''}
        </p>
      )}
      {insights.status === 'loading' && !insights.paragraph && <p class="muted">Writing the insights…</p>}
      {insights.error && (
        <p class="alert" role="alert" data-testid="insights-error">
          {insights.error}
        </p>
      )}
    </section>
  )
}

// Charts -------------------------------------------------------------------------------------------------------

const COLORS = { inbound: '#0f8a6c', outbound: '#0b63c4', previous: '#aab4bf', bot: '#6941c6', human: '#0b63c4' }

interface ChartsProps {
  state: KpiState
  current: Figures
  before: Figures
  period: Period
  timeZone: string
}

function Charts({ state, current, before, period, timeZone }: ChartsProps) {
  const span = `${localDate(period.from, timeZone)}-to-${localDate(new Date(period.to.getTime() - 1), timeZone)}`
  const volume = useMemo(
    () => volumeChart(current, before, state.bucket, timeZone),
    [current, before, state.bucket, timeZone],
  )
  const responses = useMemo(() => responseChart(current, before), [current, before])
  const categories = useMemo(() => mixChart(current, before, 'category'), [current, before])
  const urgencies = useMemo(() => mixChart(current, before, 'urgency'), [current, before])
  const both = [{ figures: current, which: 'current' }, { figures: before, which: 'previous' }]
  return (
    <div class="kpi-charts">
      <ChartCard
        id="message-volume"
        title="Message volume"
        hint={`Inbound and outbound per ${state.bucket}, ${timeZone}; dashed: inbound in the previous period`}
        config={volume}
        csv={() =>
          toCsv(
            ['period', 'bucket', 'bucket_local', 'inbound', 'outbound'],
            both.flatMap(({ figures, which }) =>
              figures.volume.map((r): Cell[] => [
                which,
                r.bucket,
                bucketLabel(r.bucket, state.bucket, timeZone),
                r.inbound,
                r.outbound,
              ]),
            ),
          )
        }
        filename={`sapa-message-volume-${span}.csv`}
        wide
      />
      <ChartCard
        id="first-response"
        title="First response time"
        hint="Minutes to the first bot answer and to the first person after a handoff (p50, p90)"
        config={responses}
        csv={() =>
          toCsv(
            ['period', 'responder', 'p50_seconds', 'p90_seconds', 'n'],
            both.flatMap(({ figures, which }): Cell[][] => [
              [
                which,
                'bot',
                figures.botFirstResponse.p50_seconds,
                figures.botFirstResponse.p90_seconds,
                figures.botFirstResponse.n,
              ],
              [
                which,
                'human',
                figures.humanFirstResponse.p50_seconds,
                figures.humanFirstResponse.p90_seconds,
                figures.humanFirstResponse.n,
              ],
            ]),
          )
        }
        filename={`sapa-first-response-${span}.csv`}
      />
      {(['category', 'urgency'] as const).map((kind) => (
        <ChartCard
          key={kind}
          id={`${kind}-mix`}
          title={kind === 'category' ? 'Issue categories' : 'Urgency'}
          hint="Share of inbound messages per label, this period and the previous one"
          config={kind === 'category' ? categories : urgencies}
          csv={() =>
            toCsv(
              ['period', 'kind', 'label', 'share', 'n'],
              both.flatMap(({ figures, which }) =>
                figures.labelMix
                  .filter((r) => r.kind === kind)
                  .map((r): Cell[] => [which, r.kind, r.label, r.share, r.n]),
              ),
            )
          }
          filename={`sapa-${kind}-mix-${span}.csv`}
        />
      ))}
    </div>
  )
}

interface ChartCardProps {
  id: string
  title: string
  hint: string
  config: ChartConfiguration
  csv: () => string
  filename: string
  wide?: boolean
}

function ChartCard({ id, title, hint, config, csv, filename, wide = false }: ChartCardProps) {
  return (
    <section
      class={`kpi-chart${wide ? ' kpi-chart--wide' : ''}`}
      aria-labelledby={`${id}-heading`}
      data-testid={`chart-${id}`}
    >
      <div class="kpi-chart__head">
        <div>
          <h2 id={`${id}-heading`}>{title}</h2>
          <p class="muted">{hint}</p>
        </div>
        <button
          type="button"
          class="button button--small button--ghost"
          onClick={() => download(filename, csv())}
          data-testid={`csv-${id}`}
        >
          Download CSV
        </button>
      </div>
      <ChartCanvas config={config} label={`${title}: ${hint}`} testId={`canvas-${id}`} />
    </section>
  )
}

const BUCKET_FORMATS: Record<Bucket, Intl.DateTimeFormatOptions> = {
  hour: { hour: '2-digit', minute: '2-digit' },
  day: { day: 'numeric', month: 'short' },
  week: { day: 'numeric', month: 'short' },
  month: { month: 'short', year: 'numeric' },
}

function bucketLabel(iso: string, bucket: Bucket, timeZone: string): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const text = new Intl.DateTimeFormat(undefined, { timeZone, ...BUCKET_FORMATS[bucket] }).format(at)
  return bucket === 'week' ? `Week of ${text}` : text
}

const BASE_OPTIONS = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { position: 'bottom' } },
} as const

function volumeChart(now: Figures, was: Figures, bucket: Bucket, timeZone: string): ChartConfiguration {
  return {
    type: 'line',
    data: {
      labels: now.volume.map((r) => bucketLabel(r.bucket, bucket, timeZone)),
      datasets: [
        {
          label: 'Inbound',
          data: now.volume.map((r) => r.inbound),
          borderColor: COLORS.inbound,
          backgroundColor: COLORS.inbound,
          tension: 0.25,
        },
        {
          label: 'Outbound',
          data: now.volume.map((r) => r.outbound),
          borderColor: COLORS.outbound,
          backgroundColor: COLORS.outbound,
          tension: 0.25,
        },
        {
          label: 'Inbound, previous period',
          data: was.volume.map((r) => r.inbound),
          borderColor: COLORS.previous,
          backgroundColor: COLORS.previous,
          borderDash: [5, 4],
          pointRadius: 0,
          tension: 0.25,
        },
      ],
    },
    options: {
      ...BASE_OPTIONS,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  }
}

function minutes(seconds: number | null): number | null {
  return seconds === null ? null : Math.round((seconds / 60) * 10) / 10
}

function responseChart(now: Figures, was: Figures): ChartConfiguration {
  const values = (f: Figures) => [
    minutes(f.botFirstResponse.p50_seconds),
    minutes(f.botFirstResponse.p90_seconds),
    minutes(f.humanFirstResponse.p50_seconds),
    minutes(f.humanFirstResponse.p90_seconds),
  ]
  return {
    type: 'bar',
    data: {
      labels: ['Bot p50', 'Bot p90', 'Human p50', 'Human p90'],
      datasets: [
        {
          label: 'This period (min)',
          data: values(now),
          backgroundColor: [COLORS.bot, COLORS.bot, COLORS.human, COLORS.human],
        },
        { label: 'Previous period (min)', data: values(was), backgroundColor: COLORS.previous },
      ],
    },
    options: { ...BASE_OPTIONS, scales: { y: { beginAtZero: true, title: { display: true, text: 'minutes' } } } },
  }
}

function shares(rows: LabelShare[], kind: string): Map<string, number> {
  return new Map(
    rows.filter((r) => r.kind === kind && r.label !== null).map((r) => [r.label ?? '', (r.share ?? 0) * 100]),
  )
}

function mixChart(now: Figures, was: Figures, kind: 'category' | 'urgency'): ChartConfiguration {
  const current = shares(now.labelMix, kind)
  const earlier = shares(was.labelMix, kind)
  const labels = [...new Set([...current.keys(), ...earlier.keys()])].sort(
    (a, b) => (current.get(b) ?? 0) - (current.get(a) ?? 0),
  )
  return {
    type: 'bar',
    data: {
      labels: labels.map(humanize),
      datasets: [
        {
          label: 'This period (%)',
          data: labels.map((l) => current.get(l) ?? 0),
          backgroundColor: kind === 'category' ? COLORS.inbound : COLORS.bot,
        },
        {
          label: 'Previous period (%)',
          data: labels.map((l) => earlier.get(l) ?? 0),
          backgroundColor: COLORS.previous,
        },
      ],
    },
    options: {
      ...BASE_OPTIONS,
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, max: 100, title: { display: true, text: '% of inbound messages' } } },
    },
  }
}
