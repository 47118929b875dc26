// Segments and broadcasts in the dashboard, as an owner: build a segment and see its live count (the same as
// the SQL function gives), send a broadcast to it and watch the counts move until every recipient is sent
// (the local stack's sender thread sends the demo store's broadcasts as sandbox messages).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { eventually, launchChromium, newPage, openFromTopBar, screenshot, serviceRest, signIn, stackEnv, uniqueText } from './support/stack.mjs'

const env = stackEnv()
for (const name of ['DEMO_ADMIN_EMAIL', 'DEMO_ADMIN_PASSWORD']) {
  if (!process.env[name]) throw new Error(`${name} is not set: run the tests through \`sapa exec\` (see support/stack.mjs)`)
}
const admin = { email: process.env.DEMO_ADMIN_EMAIL, password: process.env.DEMO_ADMIN_PASSWORD }

let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

async function sqlCount(rules) {
  const preview = await serviceRest(env, 'POST', 'rpc/preview_segment', { p_store_id: env.DEMO_STORE_ID, p_rules: rules })
  return preview.count
}

async function shownCount(page) {
  return Number(await page.getByTestId('segment-count').textContent())
}

test('an owner builds a segment, sends a broadcast to it and watches the counts move', async (t) => {
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  // The demo store's customers may have had a broadcast in the last 24 hours (an earlier run): no cap here.
  const store = `stores?id=eq.${env.DEMO_STORE_ID}`
  const [{ broadcast_frequency_cap_hours: cap }] = await serviceRest(env, 'GET', `${store}&select=broadcast_frequency_cap_hours`)
  await serviceRest(env, 'PATCH', store, { broadcast_frequency_cap_hours: 0 })
  t.after(() => serviceRest(env, 'PATCH', store, { broadcast_frequency_cap_hours: cap }))
  const { page } = session
  await signIn(page, env, admin.email, admin.password)
  await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 15_000 })

  await openFromTopBar(page, 'Segments', 'Marketing')
  await page.getByTestId('segments-page').waitFor()
  const name = uniqueText('Buyers')
  await page.getByTestId('segment-name').fill(name)
  await page.getByTestId('segment-value').fill('2')
  const twoOrders = { all: [{ field: 'paid_orders', op: '>=', value: 2 }] }
  const expectedTwo = await sqlCount(twoOrders)
  await eventually(async () => (await shownCount(page)) === expectedTwo, `the count ${expectedTwo} for 2+ paid orders`)

  await page.getByTestId('segment-add-rule').click() // "opted in to marketing = yes"
  const withConsent = { all: [...twoOrders.all, { field: 'opted_in', op: '=', value: true }] }
  const expected = await sqlCount(withConsent)
  assert.ok(expected > 0 && expected < expectedTwo, `the demo store has buyers with and without consent (${expected})`)
  await eventually(async () => (await shownCount(page)) === expected, `the count ${expected} with consent`)
  assert.ok((await page.getByTestId('segment-sample').locator('li').count()) > 0, 'a sample of members is shown')
  await screenshot(page, 'segments')
  await page.getByTestId('segment-save').click()
  const [saved] = await eventually(
    async () => {
      const rows = await serviceRest(env, 'GET', `segments?select=id,rules&name=eq.${encodeURIComponent(name)}`)
      return rows.length ? rows : null
    },
    'the saved segment',
  )
  assert.deepEqual(saved.rules, withConsent)

  await openFromTopBar(page, 'Broadcasts', 'Marketing')
  await page.getByTestId('broadcasts-page').waitFor()
  await page.getByTestId('broadcast-name').fill(uniqueText('Promo'))
  await page.getByTestId('broadcast-template').selectOption({ label: 'order_update (id)' })
  await page.getByTestId('broadcast-variable-2').fill('{{last_order_number}}')
  await page.getByTestId('broadcast-variable-3').fill('diskon 10% untuk kakak')
  await page.getByTestId('broadcast-segment').selectOption({ label: name })
  await page.getByTestId('broadcast-create').click()
  await page.getByTestId('broadcast-detail').waitFor()
  const recipients = Number((await page.getByTestId('broadcast-recipients').textContent()).split(' ')[0])
  assert.ok(recipients > 0 && recipients <= expected, `recipients ${recipients} of ${expected}`)
  assert.match(await page.getByTestId('broadcast-preview-message').first().textContent(), /^Halo kak \S+, ada kabar terbaru untuk pesanan #/)

  await page.getByTestId('broadcast-send').click()
  const seen = new Set()
  await eventually(
    async () => {
      const sent = Number(await page.getByTestId('count-sent').textContent())
      seen.add(sent)
      return sent === recipients
    },
    `all ${recipients} recipients sent`,
    90_000,
  )
  await eventually(
    async () => (await page.getByTestId('broadcast-status').textContent()) === 'completed',
    'the broadcast completed',
    30_000,
  )
  assert.ok(seen.size >= 2, `the counts moved on the page (seen ${[...seen].join(', ')})`)
  await screenshot(page, 'broadcasts')
})
