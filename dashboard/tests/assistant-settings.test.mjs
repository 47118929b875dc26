// Assistant settings end to end: the owner renames the assistant on #/settings/assistant, tries a question
// with the unsaved draft (the answer uses the new name and nothing is stored), saves, and the next WhatsApp
// conversation — a customer's message through the signed Twilio webhook, answered by the stack's worker —
// is greeted by the new name. The versions list shows the save; the test removes its versions afterwards.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { eventually, launchChromium, newPage, openFromTopBar, randomPhone, screenshot, sendWhatsApp, serviceRest, signIn, stackEnv } from './support/stack.mjs'

const env = stackEnv()
const OWNER = {
  email: process.env.DEMO_ADMIN_EMAIL || 'admin@demo.sapa.local',
  password: process.env.DEMO_ADMIN_PASSWORD || 'sapa-demo-admin',
}
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

async function versions() {
  return serviceRest(env, 'GET', `assistant_settings_versions?select=version&store_id=eq.${env.DEMO_STORE_ID}&order=version.desc`)
}

test('an owner renames the assistant, tries it, saves, and the next WhatsApp reply uses the name', async (t) => {
  const session = await newPage(browser)
  const before = (await versions()).map((v) => v.version)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
    const last = before[0] ?? 0
    await serviceRest(env, 'DELETE', `assistant_settings_versions?store_id=eq.${env.DEMO_STORE_ID}&version=gt.${last}`)
  })
  const { page } = session
  const name = `Laras${randomUUID().slice(0, 4)}`

  await signIn(page, env, OWNER.email, OWNER.password)
  await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 10_000 })
  await openFromTopBar(page, 'Assistant', 'Settings')
  await page.getByTestId('assistant-settings-page').waitFor()
  await page.getByTestId('assistant-name').fill(name)

  await page.getByTestId('assistant-try-question').fill('Halo kak')
  await page.getByTestId('assistant-try-ask').click()
  const tried = page.getByTestId('assistant-try-answer')
  await tried.waitFor({ timeout: 20_000 })
  assert.match(await tried.innerText(), new RegExp(`Saya ${name}, asisten virtual`))
  assert.deepEqual((await versions()).map((v) => v.version), before, 'trying the draft saved nothing')
  await screenshot(page, 'assistant-settings')

  await page.getByTestId('assistant-save').click()
  await eventually(async () => (await versions()).length === before.length + 1, 'the new version to be saved')
  await page.getByTestId('assistant-versions').getByText(name).first().waitFor({ timeout: 10_000 })

  const { messageSid } = await sendWhatsApp(env, { phone: randomPhone(), name: 'Wulan Sari', body: 'Halo kak' })
  let reply = null
  await eventually(
    async () => {
      const [inbound] = await serviceRest(env, 'GET', `messages?select=id&provider_message_id=eq.${messageSid}`)
      if (!inbound) return false
      const replies = await serviceRest(env, 'GET', `messages?select=body&sender=eq.bot&reply_to=eq.${inbound.id}`)
      reply = replies[0]?.body ?? null
      return reply !== null
    },
    'the bot to answer the WhatsApp message',
    30_000,
  )
  assert.match(reply, new RegExp(`Saya ${name}, asisten virtual`), reply)
})
