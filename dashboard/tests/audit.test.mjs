// The audit page (#/audit, owners): entries of one day the test writes (as the functions append them, with
// the service role), found by the date range, narrowed by person and action, paged 50 at a time; the
// customer privacy buttons in the inbox's context panel; agents get neither.
import assert from 'node:assert/strict'
import { randomInt, randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { launchChromium, newPage, openFromTopBar, openTopBarMenu, passwordSignIn, screenshot, serviceRest, signIn, stackEnv, topBar } from './support/stack.mjs'

const env = stackEnv()
for (const name of ['DEMO_ADMIN_EMAIL', 'DEMO_ADMIN_PASSWORD']) {
  if (!process.env[name]) throw new Error(`${name} is not set: run the tests through \`sapa exec\``)
}
const owner = { email: process.env.DEMO_ADMIN_EMAIL, password: process.env.DEMO_ADMIN_PASSWORD }

let browser
let ownerId
// A day of its own in the past, so other runs' and the seed's entries are not in range.
const pad = (n) => String(n).padStart(2, '0')
const day = `${randomInt(1990, 2020)}-${pad(randomInt(1, 13))}-${pad(randomInt(1, 29))}`

before(async () => {
  browser = await launchChromium()
  ownerId = (await passwordSignIn(env, owner.email, owner.password)).userId
  const at = (minute) => `${day}T09:${String(minute % 60).padStart(2, '0')}:00+07:00`
  const entries = [
    // 51 exports by the owner (one more than a page), and 2 erases by Sapa itself (the WordPress plugin).
    ...Array.from({ length: 51 }, (_, i) => ({
      store_id: env.DEMO_STORE_ID,
      actor_id: ownerId,
      action: 'customer.exported',
      target_table: 'customers',
      target_id: randomUUID(),
      details: { rows: { messages: i } },
      created_at: at(i),
    })),
    ...[0, 1].map((i) => ({
      store_id: env.DEMO_STORE_ID,
      actor_id: null,
      action: 'customer.erased',
      target_table: 'customers',
      target_id: randomUUID(),
      details: { via: 'wordpress' },
      created_at: at(i),
    })),
  ]
  await serviceRest(env, 'POST', 'audit_log', entries)
})

after(async () => {
  await browser?.close()
})

async function rows(page) {
  return page.getByTestId('audit-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))
}

test('an owner filters the audit trail by date, person and action, a page at a time', async () => {
  const { page, context } = await newPage(browser)
  await signIn(page, env, owner.email, owner.password)
  await openFromTopBar(page, 'Audit', 'Settings')
  await page.getByTestId('audit-page').waitFor()

  await page.getByTestId('audit-from').fill(day)
  await page.getByTestId('audit-to').fill(day)
  await page
    .getByTestId('audit-total')
    .filter({ hasText: '53 entries' })
    .waitFor({ timeout: 10_000 })
    .catch(async (error) => {
      throw new Error(`${error.message}; the page says ${await page.getByTestId('audit-total').textContent()} (day ${day})`)
    })
  assert.equal((await rows(page)).length, 50)
  assert.equal(await page.getByTestId('audit-page-number').textContent(), 'Page 1 of 2')
  await page.getByTestId('audit-older').click()
  await page.getByTestId('audit-page-number').filter({ hasText: 'Page 2 of 2' }).waitFor()
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-row]').length === 3)

  await page.getByTestId('audit-person').selectOption('system')
  await page.getByTestId('audit-total').filter({ hasText: '2 entries' }).waitFor()
  assert.deepEqual(await rows(page), ['customer.erased', 'customer.erased'])
  assert.match(await page.getByTestId('audit-row').first().textContent(), /Sapa \(system\).*via: wordpress/)

  await page.getByTestId('audit-person').selectOption(ownerId)
  await page.getByTestId('audit-action').selectOption('customer.erased')
  await page.getByTestId('audit-total').filter({ hasText: '0 entries' }).waitFor()
  await page.getByTestId('audit-action').selectOption('customer.exported')
  await page.getByTestId('audit-total').filter({ hasText: '51 entries' }).waitFor()
  assert.equal(await page.getByTestId('audit-page-number').textContent(), 'Page 1 of 2')

  const nextDay = new Date(`${day}T12:00:00Z`)
  nextDay.setUTCDate(nextDay.getUTCDate() + 1)
  await page.getByTestId('audit-from').fill(nextDay.toISOString().slice(0, 10))
  await page.getByTestId('audit-to').fill(nextDay.toISOString().slice(0, 10))
  await page.getByTestId('audit-total').filter({ hasText: '0 entries' }).waitFor()
  await page.getByTestId('store-data').waitFor()
  await screenshot(page, 'audit')
  await context.close()
})

test('the owner sees the privacy buttons on a customer; an agent sees neither them nor the audit page', async () => {
  const { page, context } = await newPage(browser)
  await signIn(page, env, owner.email, owner.password)
  await page.getByTestId('conversation-card').first().click()
  await page.getByTestId('customer-privacy').waitFor()
  await page.getByTestId('customer-erase').click()
  assert.equal(await page.getByTestId('customer-erase-confirm').isDisabled(), true)
  await page.getByTestId('customer-erase-confirmation').fill('erase')
  assert.equal(await page.getByTestId('customer-erase-confirm').isDisabled(), true, 'the word must be typed exactly')
  await context.close()

  const { page: agentPage, context: agentContext } = await newPage(browser)
  await signIn(agentPage, env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await agentPage.getByTestId('conversation-card').first().click()
  await agentPage.getByTestId('customer').waitFor()
  assert.equal(await agentPage.getByTestId('customer-privacy').count(), 0)
  await openTopBarMenu(agentPage, 'Settings')
  await topBar(agentPage).getByRole('link', { name: 'Team', exact: true }).waitFor()
  assert.equal(await topBar(agentPage).getByRole('link', { name: 'Audit' }).count(), 0)
  await agentPage.goto(`${env.DASHBOARD_URL}/#/audit`)
  await agentPage.getByTestId('audit-forbidden').waitFor()
  await agentContext.close()
})
