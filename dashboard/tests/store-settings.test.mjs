// Store settings end to end: the owner opens #/settings/store, sees the store and its sandbox sender, moves
// the store to Meta's WhatsApp Cloud API (ids and secrets; the secrets are stored encrypted and never shown
// again), sees it live with the callback URL to give Meta, and moves it back to Twilio. An agent is not
// offered the page. The demo store is left as it was (sender and Meta ids).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchChromium, newPage, openFromTopBar, openTopBarMenu, screenshot, serviceRest, signIn, stackEnv, topBar } from './support/stack.mjs'

const env = stackEnv()
const OWNER = {
  email: process.env.DEMO_ADMIN_EMAIL || 'admin@demo.sapa.local',
  password: process.env.DEMO_ADMIN_PASSWORD || 'sapa-demo-admin',
}
const AGENT = {
  email: process.env.DEMO_AGENT_EMAIL || 'agent@demo.sapa.local',
  password: process.env.DEMO_AGENT_PASSWORD || 'sapa-demo-agent',
}
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

const digits = (n) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, '1')

async function storedSender() {
  const [store] = await serviceRest(env, 'GET', `stores?select=whatsapp_provider,meta_phone_number_id,meta_waba_id&id=eq.${env.DEMO_STORE_ID}`)
  const [keys] = await serviceRest(env, 'GET', `store_credentials?select=meta_access_token_encrypted,meta_app_secret_encrypted&store_id=eq.${env.DEMO_STORE_ID}`)
  return { ...store, ...keys }
}

test('an owner moves the store to Meta’s Cloud API and back; the secrets are stored encrypted and never shown', async (t) => {
  const before = await storedSender()
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
    await serviceRest(env, 'PATCH', `stores?id=eq.${env.DEMO_STORE_ID}`, {
      whatsapp_provider: before.whatsapp_provider,
      meta_phone_number_id: before.meta_phone_number_id,
      meta_waba_id: before.meta_waba_id,
    })
    await serviceRest(env, 'PATCH', `store_credentials?store_id=eq.${env.DEMO_STORE_ID}`, {
      meta_access_token_encrypted: before.meta_access_token_encrypted,
      meta_app_secret_encrypted: before.meta_app_secret_encrypted,
    })
  })
  const { page } = session
  const phoneNumberId = digits(15)
  const wabaId = digits(15)
  const token = `EAAG${digits(30)}`
  const appSecret = `secret${digits(20)}`

  await signIn(page, env, OWNER.email, OWNER.password)
  await openFromTopBar(page, 'Store', 'Settings')
  await page.locator('[data-testid="whatsapp-sender"] fieldset:not([disabled])').waitFor()
  const state = page.getByTestId('whatsapp-state')
  await state.getByText('Sandbox', { exact: false }).waitFor()

  await page.getByRole('radio', { name: 'Meta WhatsApp Cloud API' }).check()
  await page.getByTestId('meta-phone-number-id').fill(phoneNumberId)
  await page.getByTestId('meta-waba-id').fill(wabaId)
  await page.getByTestId('meta-access-token').fill(token)
  await page.getByTestId('meta-app-secret').fill(appSecret)
  await page.getByTestId('save-sender').click()
  await state.getByText('Live: sent through Meta’s WhatsApp Cloud API').waitFor({ timeout: 10_000 })
  assert.equal(await page.getByTestId('meta-callback-url').innerText(), `${env.FUNCTIONS_URL}/webhooks/whatsapp-cloud`)
  assert.equal(await page.getByRole('button', { name: 'Sync from Meta' }).count(), 1)

  const stored = await storedSender()
  assert.deepEqual([stored.whatsapp_provider, stored.meta_phone_number_id, stored.meta_waba_id], ['meta', phoneNumberId, wabaId])
  assert.ok(stored.meta_access_token_encrypted && !stored.meta_access_token_encrypted.includes(token), 'the token is stored encrypted')
  assert.ok(stored.meta_app_secret_encrypted && !stored.meta_app_secret_encrypted.includes(appSecret), 'the secret is stored encrypted')

  await page.reload()
  await page.locator('[data-testid="whatsapp-sender"] fieldset:not([disabled])').waitFor() // the sender is loaded
  assert.equal(await page.getByTestId('meta-phone-number-id').inputValue(), phoneNumberId)
  assert.equal(await page.getByTestId('meta-access-token').inputValue(), '', 'a stored secret is never shown')
  assert.match(await page.getByTestId('meta-access-token').getAttribute('placeholder'), /stored/)
  assert.equal(await page.content().then((html) => html.includes(token) || html.includes(appSecret)), false)
  await screenshot(page, 'store-settings')

  await page.getByRole('radio', { name: 'Twilio' }).check()
  await page.getByTestId('save-sender').click()
  await state.getByText('Sandbox', { exact: false }).waitFor({ timeout: 10_000 })
  assert.equal((await storedSender()).whatsapp_provider, 'twilio')
  assert.equal(await page.getByRole('button', { name: 'Sync from Twilio' }).count(), 1)
})

test('an agent is not offered the store settings', async (t) => {
  const session = await newPage(browser)
  t.after(() => session.context.close())
  const { page } = session
  await signIn(page, env, AGENT.email, AGENT.password)
  await openTopBarMenu(page, 'Settings')
  await topBar(page).getByRole('link', { name: 'Assistant', exact: true }).waitFor()
  assert.equal(await topBar(page).getByRole('link', { name: 'Store', exact: true }).count(), 0)
  await page.goto(`${env.DASHBOARD_URL}/#/settings/store`)
  await page.getByTestId('store-settings-forbidden').waitFor()
})
