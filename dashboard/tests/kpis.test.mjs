// The KPI page: the demo store's figures as the SQL KPI functions give them (called here through PostgREST
// for the very period the page shows), a paid order arriving through the signed WooCommerce webhook moving the
// average order value tile without a reload, and each chart's CSV export holding the chart's rows.
import assert from 'node:assert/strict'
import { createHmac, randomInt } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import {
  eventually,
  launchChromium,
  newPage,
  passwordSignIn,
  randomPhone,
  screenshot,
  serviceRest,
  signIn,
  stackEnv,
} from './support/stack.mjs'

const env = stackEnv()
for (const name of ['DEMO_ADMIN_EMAIL', 'DEMO_ADMIN_PASSWORD', 'WOOCOMMERCE_WEBHOOK_SECRET']) {
  if (!process.env[name])
    throw new Error(`${name} is not set: run the tests through \`sapa exec\` (see support/stack.mjs)`)
}
const admin = { email: process.env.DEMO_ADMIN_EMAIL, password: process.env.DEMO_ADMIN_PASSWORD }
const TIMEZONE = 'Asia/Jakarta' // the demo store's (stores.timezone); checked in before()

let browser
let adminToken

before(async () => {
  browser = await launchChromium()
  adminToken = (await passwordSignIn(env, admin.email, admin.password)).accessToken
  const [store] = await serviceRest(env, 'GET', `stores?select=timezone,currency&id=eq.${env.DEMO_STORE_ID}`)
  assert.deepEqual(store, { timezone: TIMEZONE, currency: 'IDR' })
})

after(async () => {
  await browser?.close()
})

/** A KPI function through PostgREST as the signed-in owner (RLS applies, as on the page). */
async function kpi(fn, period, extra = {}) {
  const response = await fetch(`${env.API_URL}/rest/v1/rpc/${fn}`, {
    method: 'POST',
    headers: { apikey: env.ANON_KEY, Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ p_store_id: env.DEMO_STORE_ID, p_from: period.from, p_to: period.to, ...extra }),
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`${fn} → HTTP ${response.status}: ${JSON.stringify(body)}`)
  return body
}

async function sqlFigures(period, bucket) {
  const one = async (fn) => (await kpi(fn, period))[0]
  const volume = await kpi('kpi_message_volume', period, { p_bucket: bucket })
  return {
    volume,
    inbound: volume.reduce((sum, row) => sum + row.inbound, 0),
    outbound: volume.reduce((sum, row) => sum + row.outbound, 0),
    bot: await one('kpi_bot_first_response'),
    human: await one('kpi_human_first_response'),
    resolution: await one('kpi_bot_resolution'),
    escalation: await one('kpi_escalation'),
    conversion: await one('kpi_conversion'),
    retention: await one('kpi_retention'),
    aov: await one('kpi_aov'),
    acquisition: await one('kpi_acquisition'),
    recovered: await one('recovered_revenue'),
  }
}

/** The tiles' raw values, keyed as the page keys them, from the same figures. */
function tileValues(f) {
  return {
    inbound: f.inbound,
    outbound: f.outbound,
    'bot-first-response': f.bot.p50_seconds,
    'human-first-response': f.human.p50_seconds,
    'bot-resolution': f.resolution.value,
    escalation: f.escalation.value,
    aov: f.aov.value,
    conversion: f.conversion.value,
    acquisition: f.acquisition.value,
    retention: f.retention.value,
    recovered: f.recovered.value,
  }
}

async function openKpis(t, preset) {
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  const { page } = session
  await signIn(page, env, admin.email, admin.password)
  await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 15_000 })
  await page.getByRole('link', { name: 'KPIs' }).click()
  await page.getByTestId('kpi-page').waitFor({ timeout: 15_000 })
  await page.getByTestId(`period-${preset}`).click()
  await page.locator('[data-testid="period-' + preset + '"][aria-pressed="true"]').waitFor()
  await waitForFigures(page)
  return session
}

/** Waits until the page shows figures it read after `since` (ms), and returns the periods it read them for. */
async function waitForFigures(page, since = 0) {
  const handle = await page.waitForFunction(
    (since) => {
      const root = document.querySelector('[data-testid="kpi-page"]')
      const readAt = Number(root?.getAttribute('data-read-at') || 0)
      return readAt > since && root.getAttribute('aria-busy') === 'false' ? readAt : null
    },
    since,
    { timeout: 15_000, polling: 50 },
  )
  const readAt = await handle.jsonValue()
  const attr = (name) => page.getByTestId('kpi-page').getAttribute(name)
  return {
    readAt,
    period: { from: await attr('data-from'), to: await attr('data-to') },
    previous: { from: await attr('data-previous-from'), to: await attr('data-previous-to') },
    bucket: await attr('data-bucket'),
  }
}

async function shownValues(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('.kpi-tile')].map((tile) => [
        tile.getAttribute('data-testid').replace(/^kpi-/, ''),
        tile.getAttribute('data-value') === '' ? null : Number(tile.getAttribute('data-value')),
      ]),
    ),
  )
}

/** YYYY-MM-DD of an instant on the store's clock. */
function jakartaDate(at) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE }).format(at)
}

test('the KPI page shows the demo store’s figures for 30 days, the same as the SQL functions', async (t) => {
  const { page } = await openKpis(t, '30d')
  const { period, previous, bucket } = await waitForFigures(page)

  // The period is the store's: midnight in Jakarta 29 days ago until now; compared with the 30 days before.
  const now = Date.now()
  assert.equal(
    new Date(period.from).toISOString(),
    new Date(`${jakartaDate(now - 29 * 86_400_000)}T00:00:00+07:00`).toISOString(),
  )
  assert.ok(Math.abs(new Date(period.to).getTime() - now) < 60_000, 'the period ends now')
  assert.equal(new Date(previous.from).getTime(), new Date(period.from).getTime() - 30 * 86_400_000)
  assert.equal(bucket, 'day')

  const sql = await sqlFigures(period, bucket)
  const before = await sqlFigures(previous, bucket)
  assert.deepEqual(await shownValues(page), tileValues(sql), 'every tile holds the SQL function’s figure')
  assert.ok(sql.inbound > 0 && sql.aov.orders > 0, 'the demo store has messages and paid orders in 30 days')

  // What a person reads: the figure, and the previous period's beside it.
  const text = async (key) => (await page.getByTestId(`kpi-${key}-value`).textContent()).trim()
  assert.equal(await text('inbound'), sql.inbound.toLocaleString('en-GB'))
  assert.equal(await text('escalation'), `${(sql.escalation.value * 100).toFixed(1)}%`)
  assert.match(
    await page.getByTestId('kpi-inbound-delta').textContent(),
    new RegExp(`vs ${before.inbound.toLocaleString('en-GB')}$`),
  )
  assert.equal(
    (await text('aov')).replace(/\s/g, ' '),
    new Intl.NumberFormat('id-ID', { style: 'currency', currency: 'IDR', maximumFractionDigits: 0 })
      .format(sql.aov.value)
      .replace(/\s/g, ' '),
  )

  // The charts are drawn, and the insights paragraph speaks of the same figures.
  for (const chart of ['message-volume', 'first-response', 'category-mix', 'urgency-mix']) {
    assert.ok(await page.getByTestId(`canvas-${chart}`).isVisible(), `${chart} chart is shown`)
  }
  await page.locator('[data-testid="kpi-insights"][data-status="ready"]').waitFor({ timeout: 20_000 })
  const paragraph = await page.getByTestId('insights-paragraph').textContent()
  const source = await page.getByTestId('insights-source').getAttribute('data-source')
  if (source === 'offline') {
    // The offline paragraph always states the average order value when there were paid orders.
    assert.ok(paragraph.includes(`IDR ${Math.round(sql.aov.value).toLocaleString('en-US')}`), paragraph)
  }
  await screenshot(page, 'kpis')
})

test('a paid order posted through the WooCommerce webhook moves the AOV tile without a reload', async (t) => {
  const { page } = await openKpis(t, 'today')
  const first = await waitForFigures(page)
  const was = (await kpi('kpi_aov', first.period))[0]
  assert.equal((await shownValues(page)).aov, was.value)
  await page.evaluate(() => {
    window.__sapaSamePage = true
  })

  // An order as WooCommerce's REST API v3 shapes it, placed and paid now, for an amount no demo order has.
  const id = 800_000_000 + randomInt(100_000_000)
  const total = 1_234_567
  const stamp = new Date().toISOString().slice(0, 19) // WooCommerce's *_gmt fields: UTC without an offset
  const order = {
    id,
    parent_id: 0,
    number: String(id),
    order_key: `wc_order_${id}`,
    created_via: 'checkout',
    version: '9.4.0',
    status: 'processing',
    currency: 'IDR',
    date_created: stamp,
    date_created_gmt: stamp,
    date_modified: stamp,
    date_modified_gmt: stamp,
    date_paid: stamp,
    date_paid_gmt: stamp,
    discount_total: '0',
    shipping_total: '0',
    total: `${total}.00`,
    total_tax: '0',
    prices_include_tax: false,
    customer_id: 0,
    billing: {
      first_name: 'KPI',
      last_name: 'Test',
      email: 'kpi.test@example.com',
      phone: randomPhone(),
      country: 'ID',
    },
    shipping: { first_name: 'KPI', last_name: 'Test', country: 'ID' },
    payment_method: 'bacs',
    payment_method_title: 'Direct bank transfer',
    line_items: [
      {
        id: id + 1,
        name: 'Kemeja batik',
        product_id: 0,
        quantity: 1,
        subtotal: `${total}.00`,
        total: `${total}.00`,
        price: total,
      },
    ],
    shipping_lines: [],
    meta_data: [],
  }
  t.after(() => serviceRest(env, 'DELETE', `orders?store_id=eq.${env.DEMO_STORE_ID}&external_id=eq.${id}`))
  const raw = JSON.stringify(order)
  const response = await fetch(`${env.FUNCTIONS_URL}/webhooks/woocommerce/${env.DEMO_STORE_ID}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'WooCommerce/9.4.0 Hookshot (WordPress/6.7)',
      'X-WC-Webhook-Source': 'https://batik-sapa.example/',
      'X-WC-Webhook-Topic': 'order.created',
      'X-WC-Webhook-Resource': 'order',
      'X-WC-Webhook-Event': 'created',
      'X-WC-Webhook-ID': '1',
      'X-WC-Webhook-Delivery-ID': String(randomInt(1_000_000)),
      'X-WC-Webhook-Signature': createHmac('sha256', process.env.WOOCOMMERCE_WEBHOOK_SECRET)
        .update(raw)
        .digest('base64'),
    },
    body: raw,
  })
  assert.equal(response.status, 200, await response.text())

  const expected = Math.round(((Number(was.revenue) + total) / (Number(was.orders) + 1)) * 100) / 100
  await page.waitForFunction(
    (expected) => Number(document.querySelector('[data-testid="kpi-aov"]')?.getAttribute('data-value')) === expected,
    expected,
    { timeout: 10_000, polling: 50 },
  )
  assert.equal(await page.evaluate(() => window.__sapaSamePage), true, 'the page was not reloaded')
  const now = await waitForFigures(page)
  const after = (await kpi('kpi_aov', now.period))[0]
  assert.equal(after.value, expected, 'the SQL function agrees with the tile')
  assert.equal(after.orders, was.orders + 1)
  assert.match(await page.getByTestId('kpi-aov').textContent(), new RegExp(`${after.orders} paid orders`))
})

test('each chart exports its rows as CSV', async (t) => {
  const { page } = await openKpis(t, '7d')
  const { period, previous, bucket } = await waitForFigures(page)

  const csvOf = async (chart) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`csv-${chart}`).click()])
    const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n')
    return { name: download.suggestedFilename(), header: lines[0], rows: lines.slice(1).map((line) => line.split(',')) }
  }

  const volume = await csvOf('message-volume')
  assert.match(volume.name, /^sapa-message-volume-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/)
  assert.equal(volume.header, 'period,bucket,bucket_local,inbound,outbound')
  const expected = [
    ...(await kpi('kpi_message_volume', period, { p_bucket: bucket })).map((r) => [
      'current',
      r.bucket,
      r.inbound,
      r.outbound,
    ]),
    ...(await kpi('kpi_message_volume', previous, { p_bucket: bucket })).map((r) => [
      'previous',
      r.bucket,
      r.inbound,
      r.outbound,
    ]),
  ]
  assert.equal(expected.length, 14, 'seven days and the seven before, a row each')
  assert.deepEqual(
    volume.rows.map(([which, at, , inbound, outbound]) => [which, at, Number(inbound), Number(outbound)]),
    expected,
  )

  const mix = await csvOf('category-mix')
  assert.equal(mix.header, 'period,kind,label,share,n')
  const categories = (await kpi('kpi_label_mix', period)).filter((r) => r.kind === 'category')
  assert.deepEqual(
    mix.rows
      .filter(([which]) => which === 'current')
      .map(([, kind, label, share, n]) => [kind, label, share === '' ? null : Number(share), Number(n)]),
    categories.map((r) => [r.kind, r.label, r.share, r.n]),
  )

  const responses = await csvOf('first-response')
  assert.equal(responses.header, 'period,responder,p50_seconds,p90_seconds,n')
  const bot = (await kpi('kpi_bot_first_response', period))[0]
  assert.deepEqual(responses.rows[0], [
    'current',
    'bot',
    String(bot.p50_seconds ?? ''),
    String(bot.p90_seconds ?? ''),
    String(bot.n),
  ])
})

test('an agent has no KPI page: KPIs and insights are for owners and admins', async (t) => {
  const session = await newPage(browser)
  t.after(() => session.context.close())
  const { page } = session
  await signIn(page, env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await page.getByTestId('inbox-view').waitFor({ timeout: 15_000 })
  assert.equal(await page.getByRole('link', { name: 'KPIs' }).count(), 0)
  await page.evaluate(() => {
    location.hash = '#/kpis'
  })
  await page.getByTestId('kpi-forbidden').waitFor()
  assert.equal(await page.getByTestId('kpi-page').count(), 0)
})
