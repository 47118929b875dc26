// While WhatsApp sends fail (Twilio down: the messages wait in outbound_retries for the stale-sends job),
// the inbox says so live, and the banner goes when nothing waits any more.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchChromium, newPage, sendWhatsApp, randomPhone, serviceRest, signIn, stackEnv } from './support/stack.mjs'

const env = stackEnv()
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

test('the inbox shows "WhatsApp delivery delayed since …" while a message waits for Twilio', async (t) => {
  const { context, page, problems } = await newPage(browser)
  const { messageSid } = await sendWhatsApp(env, { phone: randomPhone(), name: 'Pelanggan', body: 'Halo kak' })
  const [inbound] = await serviceRest(env, 'GET', `messages?select=conversation_id&provider_message_id=eq.${messageSid}`)
  const [waiting] = await serviceRest(env, 'POST', 'messages', {
    store_id: env.DEMO_STORE_ID,
    conversation_id: inbound.conversation_id,
    direction: 'outbound',
    sender: 'agent',
    body: 'Pesanan kakak sudah kami kirim',
    status: 'queued',
  })
  t.after(async () => {
    if (problems.length > 0) t.diagnostic(problems.join('\n'))
    await serviceRest(env, 'DELETE', `messages?id=eq.${waiting.id}`)
    await context.close()
  })
  await signIn(page, env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 10_000 })
  assert.equal(await page.getByTestId('delivery-delayed').count(), 0, 'no banner while sends go through')

  await serviceRest(env, 'POST', 'outbound_retries', {
    message_id: waiting.id,
    store_id: env.DEMO_STORE_ID,
    conversation_id: inbound.conversation_id,
    attempts: 1,
    first_failed_at: '2026-12-03T04:05:00Z',
    last_error: 'Twilio answered 503 (error 20503)',
  })
  const banner = page.getByTestId('delivery-delayed')
  await banner.waitFor({ timeout: 10_000 })
  assert.match(await banner.textContent(), /WhatsApp delivery delayed since .*2026/)

  await serviceRest(env, 'DELETE', `outbound_retries?message_id=eq.${waiting.id}`)
  await banner.waitFor({ state: 'detached', timeout: 10_000 })
})
