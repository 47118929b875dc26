/** The KPI figures, read through the SQL functions of migration 20261123000012_kpis.sql over PostgREST RPC, as the
 * signed-in member (RLS applies). Nothing is computed here that the functions compute: analysts in Supabase Studio
 * call the same functions and get the same numbers. */
import type { SupabaseClient } from '@supabase/supabase-js'
import type { Bucket, Period } from './period'

export interface VolumeRow {
  bucket: string
  inbound: number
  outbound: number
}

export interface ResponseTime {
  p50_seconds: number | null
  p90_seconds: number | null
  n: number
}

export interface Rate {
  value: number | null
  numerator: number
  denominator: number
}

export interface BotResolution extends Rate {
  confirmed: number
  assumed: number
}

export interface OrderValue {
  value: number | null
  revenue: number | null
  orders: number
}

export interface LabelShare {
  kind: 'category' | 'urgency'
  label: string | null
  share: number | null
  n: number
}

export interface Figures {
  volume: VolumeRow[]
  inbound: number
  outbound: number
  botFirstResponse: ResponseTime
  humanFirstResponse: ResponseTime
  botResolution: BotResolution
  escalation: Rate
  conversion: Rate
  retention: Rate
  aov: OrderValue
  acquisition: number
  labelMix: LabelShare[]
  recovered: RecoveredRevenue
}

/** Checkouts reminded on WhatsApp in the period, and the total of those paid within 72 h of the reminder. */
export interface RecoveredRevenue {
  value: number | null
  orders: number
  reminded: number
}

type Row = Record<string, unknown>

async function call(client: SupabaseClient, fn: string, args: Record<string, string>): Promise<Row[]> {
  const { data, error } = await client.rpc(fn, args)
  if (error) throw new Error(`Could not read ${fn}: ${error.message}`)
  if (Array.isArray(data)) return data.filter(isRow)
  return isRow(data) ? [data] : []
}

function one(rows: Row[], fn: string): Row {
  const [row] = rows
  if (rows.length !== 1 || !row) throw new Error(`${fn} answered ${rows.length} rows instead of one`)
  return row
}

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null
  const n = typeof value === 'number' ? value : Number(value)
  return Number.isFinite(n) ? n : null
}

const count = (value: unknown): number => num(value) ?? 0

function responseTime(row: Row): ResponseTime {
  return { p50_seconds: num(row['p50_seconds']), p90_seconds: num(row['p90_seconds']), n: count(row['n']) }
}

function recoveredOf(row: Row): RecoveredRevenue {
  return { value: num(row['value']), orders: count(row['orders']), reminded: count(row['reminded']) }
}

function rate(row: Row): Rate {
  return { value: num(row['value']), numerator: count(row['numerator']), denominator: count(row['denominator']) }
}

/** Every KPI for one period. */
export async function fetchFigures(
  client: SupabaseClient,
  storeId: string,
  period: Period,
  bucket: Bucket,
): Promise<Figures> {
  const args = { p_store_id: storeId, p_from: period.from.toISOString(), p_to: period.to.toISOString() }
  const [volume, bot, human, resolution, escalation, conversion, retention, aov, acquisition, mix, recovered] = await Promise.all([
    call(client, 'kpi_message_volume', { ...args, p_bucket: bucket }),
    call(client, 'kpi_bot_first_response', args),
    call(client, 'kpi_human_first_response', args),
    call(client, 'kpi_bot_resolution', args),
    call(client, 'kpi_escalation', args),
    call(client, 'kpi_conversion', args),
    call(client, 'kpi_retention', args),
    call(client, 'kpi_aov', args),
    call(client, 'kpi_acquisition', args),
    call(client, 'kpi_label_mix', args),
    call(client, 'recovered_revenue', args),
  ])
  const rows = volume.map((r) => ({
    bucket: String(r['bucket']),
    inbound: count(r['inbound']),
    outbound: count(r['outbound']),
  }))
  const resolved = one(resolution, 'kpi_bot_resolution')
  const order = one(aov, 'kpi_aov')
  return {
    volume: rows,
    inbound: rows.reduce((sum, r) => sum + r.inbound, 0),
    outbound: rows.reduce((sum, r) => sum + r.outbound, 0),
    botFirstResponse: responseTime(one(bot, 'kpi_bot_first_response')),
    humanFirstResponse: responseTime(one(human, 'kpi_human_first_response')),
    botResolution: { ...rate(resolved), confirmed: count(resolved['confirmed']), assumed: count(resolved['assumed']) },
    escalation: rate(one(escalation, 'kpi_escalation')),
    conversion: rate(one(conversion, 'kpi_conversion')),
    retention: rate(one(retention, 'kpi_retention')),
    aov: { value: num(order['value']), revenue: num(order['revenue']), orders: count(order['orders']) },
    acquisition: count(one(acquisition, 'kpi_acquisition')['value']),
    recovered: recoveredOf(one(recovered, 'recovered_revenue')),
    labelMix: mix.map((r) => ({
      kind: r['kind'] === 'urgency' ? 'urgency' : 'category',
      label: typeof r['label'] === 'string' ? r['label'] : null,
      share: num(r['share']),
      n: count(r['n']),
    })),
  }
}

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
