// The order panel names the variation bought: a customer writes on WhatsApp, the shop's WooCommerce
// delivers (signed, through Sapa's webhook) a variable product, its XL variation and the customer's order
// of it, and the agent sees "1 × Kemeja Batik Truntum — Size: XL" beside the conversation.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { after, before, test } from 'node:test'
import {
  launchChromium,
  newPage,
  randomPhone,
  screenshot,
  sendWhatsApp,
  serviceRest,
  signIn,
  stackEnv,
} from './support/stack.mjs'

const env = stackEnv()
const secret = process.env.WOOCOMMERCE_WEBHOOK_SECRET
const base = 9_000_000 + Math.floor(Math.random() * 900_000) * 10
const ids = { product: base, variation: base + 1, order: base + 2 }
let browser

before(async () => {
  assert.ok(secret, 'WOOCOMMERCE_WEBHOOK_SECRET (printed by `sapa status -o env`) signs the deliveries')
  browser = await launchChromium()
})

after(async () => {
  await serviceRest(env, 'DELETE', `orders?store_id=eq.${env.DEMO_STORE_ID}&external_id=eq.${ids.order}`)
  await serviceRest(env, 'DELETE', `product_variations?store_id=eq.${env.DEMO_STORE_ID}&external_id=eq.${ids.variation}`)
  await serviceRest(env, 'DELETE', `products?store_id=eq.${env.DEMO_STORE_ID}&external_id=eq.${ids.product}`)
  await browser?.close()
})

/** POSTs a delivery as WooCommerce does (the body signed with the store's webhook secret). */
async function deliver(topic, payload) {
  const body = JSON.stringify(payload)
  const [resource, event] = topic.split('.')
  const response = await fetch(`${env.FUNCTIONS_URL}/webhooks/woocommerce/${env.DEMO_STORE_ID}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-WC-Webhook-Topic': topic,
      'X-WC-Webhook-Resource': resource,
      'X-WC-Webhook-Event': event,
      'X-WC-Webhook-Signature': createHmac('sha256', secret).update(body).digest('base64'),
    },
    body,
  })
  const answer = await response.json()
  assert.equal(response.status, 200, JSON.stringify(answer))
  assert.equal(answer.status, 'processed', `${topic}: ${JSON.stringify(answer)}`)
  return answer
}

function gmt(date) {
  return date.toISOString().slice(0, 19)
}

test('the order panel shows which variation the customer bought', async (t) => {
  const customer = { phone: randomPhone(), name: 'Sekar Variasi' }
  await sendWhatsApp(env, { ...customer, body: 'Halo kak, kemeja saya yang XL sudah dikirim?' })
  const now = new Date()
  await deliver('product.created', {
    id: ids.product, name: 'Kemeja Batik Truntum', type: 'variable', parent_id: 0, status: 'publish',
    sku: `KBT-${base}`, price: '275000', stock_status: 'instock', stock_quantity: null,
    date_created_gmt: gmt(now), date_modified_gmt: gmt(now), variations: [ids.variation],
    attributes: [{ id: 0, name: 'Size', slug: 'Size', variation: true, options: ['M', 'XL'] }],
  })
  await deliver('product.created', {
    id: ids.variation, name: 'Kemeja Batik Truntum - XL', type: 'variation', parent_id: ids.product,
    status: 'publish', sku: `KBT-${base}-XL`, price: '275000', stock_status: 'instock', stock_quantity: 2,
    date_created_gmt: gmt(now), date_modified_gmt: gmt(now),
    attributes: [{ id: 0, name: 'Size', slug: 'size', option: 'XL' }],
  })
  await deliver('order.created', {
    id: ids.order, number: String(ids.order), status: 'processing', currency: 'IDR', total: '300000',
    date_created_gmt: gmt(now), date_modified_gmt: gmt(now), date_paid_gmt: gmt(now),
    billing: { first_name: 'Sekar', last_name: 'Variasi', email: '', phone: customer.phone },
    line_items: [{
      id: 1, name: 'Kemeja Batik Truntum - XL', product_id: ids.product, variation_id: ids.variation,
      quantity: 1, price: 275000, total: '275000', parent_name: 'Kemeja Batik Truntum',
      meta_data: [
        { id: 1, key: 'size', value: 'XL', display_key: 'Size', display_value: 'XL' },
        { id: 2, key: '_reduced_stock', value: '1', display_key: '_reduced_stock', display_value: '1' },
      ],
    }],
  }) // prettier-ignore

  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  const { page } = session
  await signIn(page, env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await page.getByLabel('Search by customer name or phone').fill(customer.phone)
  await page.getByTestId('conversation-card').filter({ hasText: customer.name }).locator('a.card').click()
  const order = page.getByTestId('order').filter({ hasText: `#${ids.order}` })
  await order.waitFor({ timeout: 10_000 })
  try {
    assert.deepEqual(await order.getByTestId('order-item').allTextContents(), ['1 × Kemeja Batik Truntum — Size: XL'])
  } finally {
    await screenshot(page, 'order-variation')
  }
})
