// Order updates in the inbox. A customer who has written to the demo store gets the "shipped" update when
// the shop adds a tracking number to their order (the demo store has it turned on; the stack's sandbox
// sender sends it within seconds, through the same leased sender as on AWS); a failure the provider
// reports later (Meta's 131047, stored on the message as its status webhook stores it) shows on that
// message; the customer's reply pins the order at the top of the context panel.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { eventually, launchChromium, newPage, randomPhone, sendWhatsApp, serviceRest, signIn, stackEnv } from './support/stack.mjs'

const env = stackEnv()
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

async function customerOf(phone) {
  const rows = await serviceRest(
    env,
    'GET',
    `customers?select=id&store_id=eq.${env.DEMO_STORE_ID}&phone=eq.${encodeURIComponent(phone)}`,
  )
  return rows[0] ?? null
}

async function notificationMessage(orderId) {
  const rows = await serviceRest(
    env,
    'GET',
    `messages?select=id,conversation_id,body,status,metadata&store_id=eq.${env.DEMO_STORE_ID}` +
      `&metadata->notification->>order_id=eq.${orderId}`,
  )
  return rows[0] ?? null
}

test('a tracking number sends the shipped update; a later failure shows on it; the reply pins the order', async (t) => {
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  const { page } = session
  const phone = randomPhone()
  await sendWhatsApp(env, { phone, name: 'Dewi Lestari', body: 'Halo kak, pesanan saya sudah diproses?' })
  const customer = await eventually(() => customerOf(phone), 'the customer from the webhook')

  const external = 800000 + Math.floor(Math.random() * 100000)
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString()
  const [order] = await serviceRest(env, 'POST', 'orders', {
    store_id: env.DEMO_STORE_ID,
    external_id: external,
    number: String(external),
    status: 'processing',
    total: 275000,
    currency: 'IDR',
    customer_id: customer.id,
    billing_phone: phone,
    created_at: hourAgo,
    date_modified: hourAgo,
  })
  // What a WooCommerce delivery with Shipment Tracking's meta does to the mirror.
  await serviceRest(env, 'PATCH', `orders?id=eq.${order.id}`, {
    tracking_number: 'JNE7788990011',
    date_modified: new Date().toISOString(),
  })
  // Stored (queued) right before the sandbox "sends" it; sent once its status says so.
  const update = await eventually(
    async () => {
      const message = await notificationMessage(order.id)
      return message?.status === 'sandbox' ? message : null
    },
    'the shipped update to be sent',
    20_000,
  )
  assert.deepEqual(update.metadata.notification, { event: 'shipped', order_id: order.id })
  assert.match(update.body, new RegExp(`pesanan #${external} dari Batik Sapa sudah dikirim .* No\\. resi: JNE7788990011`))

  await signIn(page, env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await page.getByTestId('realtime-status').waitFor()
  await page.goto(`${env.DASHBOARD_URL}/#/c/${update.conversation_id}`)
  const sent = page.locator(`[data-testid="message"][data-message-id="${update.id}"]`)
  await sent.waitFor({ timeout: 15_000 })

  // The provider reports later that the message could not be delivered (outside the 24-hour window).
  await serviceRest(env, 'PATCH', `messages?id=eq.${update.id}`, {
    status: 'failed',
    metadata: { ...update.metadata, error: 'WhatsApp error 131047: Re-engagement message', provider_error_code: '131047' },
  })
  const status = sent.getByTestId('delivery-status')
  await eventually(async () => (await status.textContent())?.includes('Not delivered'), 'the failure to show', 15_000)
  assert.match(await status.getAttribute('title'), /131047: Re-engagement message/)
  const [row] = await serviceRest(env, 'GET', `order_notifications?select=status,error&order_id=eq.${order.id}`)
  assert.deepEqual(row, { status: 'failed', error: 'WhatsApp error 131047: Re-engagement message' })

  // The customer answers: the order is pinned at the top of the context panel.
  await sendWhatsApp(env, { phone, name: 'Dewi Lestari', body: 'Kak paketnya kapan sampai ya?' })
  const pinned = page.getByTestId('context-panel').locator('[data-testid="order"][data-pinned="true"]')
  await pinned.waitFor({ timeout: 15_000 })
  assert.match(await pinned.textContent(), new RegExp(`Writing about this order.*#${external}`))
  assert.equal(
    await page.getByTestId('context-panel').getByTestId('order').first().getAttribute('data-pinned'),
    'true',
    'the pinned order comes first',
  )
})
