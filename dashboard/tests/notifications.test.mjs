// Order updates end to end: the owner opens #/settings/notifications from the Store page, turns on the
// "completed" message with the demo store's approved template (its placeholders prefilled with the order's
// fields), saves, reloads and sees it; a save the API refuses shows its message beside the form and stores
// nothing. An agent is neither offered the page nor able to change the settings. The demo store's settings
// are put back afterwards.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchChromium, newPage, openFromTopBar, openTopBarMenu, passwordSignIn, screenshot, serviceRest, signIn, stackEnv, topBar } from './support/stack.mjs'

const env = stackEnv()
const OWNER = {
  email: process.env.DEMO_ADMIN_EMAIL || 'admin@demo.sapa.local',
  password: process.env.DEMO_ADMIN_PASSWORD || 'sapa-demo-admin',
}
const AGENT = {
  email: process.env.DEMO_AGENT_EMAIL || 'agent@demo.sapa.local',
  password: process.env.DEMO_AGENT_PASSWORD || 'sapa-demo-agent',
}
const TEMPLATE = 'order_update (id)'
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

async function storedSettings() {
  const [store] = await serviceRest(env, 'GET', `stores?select=notification_settings&id=eq.${env.DEMO_STORE_ID}`)
  return store.notification_settings
}

async function putBack(settings) {
  await serviceRest(env, 'PATCH', `stores?id=eq.${env.DEMO_STORE_ID}`, { notification_settings: settings })
}

async function openAsOwner(t) {
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  const { page } = session
  await signIn(page, env, OWNER.email, OWNER.password)
  await openFromTopBar(page, 'Store', 'Settings')
  await page.getByTestId('notifications-link').click()
  await page.getByTestId('notifications-page').waitFor()
  await page.locator(`[data-testid="event-completed-template"] option:has-text("${TEMPLATE}")`).waitFor({ state: 'attached' })
  return page
}

test('an owner turns on the "completed" message with a template, saves, and finds it after a reload', async (t) => {
  const before = await storedSettings()
  t.after(() => putBack(before))
  const page = await openAsOwner(t)
  const completed = page.getByTestId('event-completed')

  await completed.getByTestId('event-completed-enabled').check()
  await completed.getByTestId('event-completed-template').selectOption({ label: TEMPLATE })
  assert.equal(await page.getByTestId('event-completed-variable-1').inputValue(), '{{first_name}}')
  assert.equal(await page.getByTestId('event-completed-variable-2').inputValue(), '{{order_number}}')
  await page.getByTestId('event-completed-variable-1').fill('{{first_name|Kak}}')
  await page.getByTestId('event-completed-variable-3').fill('pesanan sudah selesai, total {{total}}')
  await page.getByTestId('notifications-save').click()
  await page.getByTestId('toast-success').getByText('Order updates saved').waitFor({ timeout: 10_000 })

  const saved = (await storedSettings()).events.completed
  assert.equal(saved.enabled, true)
  assert.deepEqual(saved.variables, { 1: '{{first_name|Kak}}', 2: '{{order_number}}', 3: 'pesanan sudah selesai, total {{total}}' })
  assert.equal((await storedSettings()).events.processing.enabled, false, 'the other events stay off')

  await page.reload()
  await page.getByTestId('notifications-page').waitFor()
  await page.locator(`[data-testid="event-completed-template"] option:has-text("${TEMPLATE}")`).waitFor({ state: 'attached' })
  assert.equal(await page.getByTestId('event-completed-enabled').isChecked(), true)
  assert.equal(await page.getByTestId('event-completed-template').inputValue(), saved.template_id)
  assert.equal(await page.getByTestId('event-completed-variable-1').inputValue(), '{{first_name|Kak}}')
  assert.equal(await page.getByTestId('event-completed-variable-3').inputValue(), 'pesanan sudah selesai, total {{total}}')
  await screenshot(page, 'notifications')
})

test('a save the API refuses shows its message beside the form and stores nothing', async (t) => {
  const before = await storedSettings()
  t.after(() => putBack(before))
  const page = await openAsOwner(t)

  await page.getByTestId('event-cancelled-enabled').check()
  await page.getByTestId('notifications-save').click()

  const error = page.getByTestId('notifications-error')
  await error.waitFor({ timeout: 10_000 })
  assert.equal(await error.innerText(), 'events.cancelled.template_id: an enabled message needs a template')
  assert.deepEqual(await storedSettings(), before)
})

test('an agent is not offered the order updates and cannot change them', async (t) => {
  const before = await storedSettings()
  const session = await newPage(browser)
  t.after(() => session.context.close())
  const { page } = session
  await signIn(page, env, AGENT.email, AGENT.password)
  await openTopBarMenu(page, 'Settings')
  const assistant = topBar(page).getByRole('link', { name: 'Assistant', exact: true })
  await assistant.waitFor()
  assert.equal(await topBar(page).getByRole('link', { name: 'Order updates', exact: true }).count(), 0)
  await assistant.click()
  await page.getByTestId('assistant-settings-page').waitFor()
  assert.equal(await page.getByTestId('notifications-link').count(), 0)
  await page.goto(`${env.DASHBOARD_URL}/#/settings/notifications`)
  await page.getByTestId('notifications-forbidden').waitFor()
  assert.equal(await page.getByTestId('notifications-page').count(), 0)

  const { accessToken } = await passwordSignIn(env, AGENT.email, AGENT.password)
  const url = `${env.FUNCTIONS_URL}/api/stores/${env.DEMO_STORE_ID}/notifications`
  const headers = { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' }
  assert.equal((await fetch(url, { headers })).status, 403)
  const put = await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ quiet_hours: { start: '22:00', end: '07:00' } }) })
  assert.equal(put.status, 403)
  assert.deepEqual(await storedSettings(), before)
})
