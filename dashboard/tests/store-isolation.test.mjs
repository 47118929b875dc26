// An agent of another store sees none of the demo store's conversations: not in the list, not live, not by
// link, and Sapa's API refuses their actions on them.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  launchChromium,
  newPage,
  OTHER_AGENT,
  passwordSignIn,
  randomPhone,
  screenshot,
  sendWhatsApp,
  serviceRest,
  signIn,
  stackEnv,
} from './support/stack.mjs'

const env = stackEnv()
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

test('an agent of another store sees none of the demo store’s conversations and cannot act on them', async (t) => {
  const { context, page, problems } = await newPage(browser)
  t.after(async () => {
    if (problems.length > 0) t.diagnostic(problems.join('\n'))
    await context.close()
  })
  try {
    await signIn(page, env, OTHER_AGENT.email, OTHER_AGENT.password)
    await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 10_000 })
    await page.getByTestId('inbox-loading').waitFor({ state: 'detached', timeout: 10_000 })
    assert.notEqual(await page.getByTestId('store-name').textContent(), '')

    // Everything they can list, across all statuses, is their own store's.
    await page.getByTestId('status-filter').getByText('All', { exact: true }).click()
    await page.getByTestId('inbox-loading').waitFor({ state: 'detached', timeout: 10_000 })
    const listed = await page
      .getByTestId('conversation-card')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-conversation-id')))
    assert.ok(listed.length > 0, 'the other store has conversations of its own')
    const rows = await serviceRest(env, 'GET', `conversations?select=id,store_id&id=in.(${listed.join(',')})`)
    assert.equal(rows.length, listed.length)
    for (const row of rows) assert.notEqual(row.store_id, env.DEMO_STORE_ID, `${row.id} is not the demo store's`)

    // A customer writes to the demo store while they watch: nothing reaches their inbox.
    const phone = randomPhone()
    const before = await page.getByTestId('conversation-card').count()
    const { messageSid } = await sendWhatsApp(env, {
      phone,
      name: 'Pelanggan Demo',
      body: 'Halo, apakah toko buka hari Minggu?',
    })
    const [message] = await serviceRest(env, 'GET', `messages?select=conversation_id&provider_message_id=eq.${messageSid}`)
    await page.waitForTimeout(1500)
    assert.equal(await page.getByTestId('conversation-card').count(), before, 'no new card')
    assert.equal(await page.getByText(phone).count(), 0, 'the demo customer’s number is nowhere on the page')

    // Nor by link.
    await page.goto(`${env.DASHBOARD_URL}/#/c/${message.conversation_id}`)
    await page.getByTestId('conversation-missing').waitFor({ timeout: 5_000 })
    assert.equal(await page.getByText('Halo, apakah toko buka hari Minggu?').count(), 0)

    // Nor through the API: their token is refused for the demo store, and nothing changes.
    const other = await passwordSignIn(env, OTHER_AGENT.email, OTHER_AGENT.password)
    const refused = await fetch(
      `${env.FUNCTIONS_URL}/api/stores/${env.DEMO_STORE_ID}/conversations/${message.conversation_id}/take-over`,
      { method: 'POST', headers: { Authorization: `Bearer ${other.accessToken}` } },
    )
    assert.equal(refused.status, 403)
    const [row] = await serviceRest(env, 'GET', `conversations?select=status,assignee_id&id=eq.${message.conversation_id}`)
    assert.notEqual(row.assignee_id, other.userId)
  } finally {
    await screenshot(page, 'other-store-agent')
  }
})
