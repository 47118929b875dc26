// Onboarding and the team: the owner invites an agent from the Team page; the invited agent opens the link
// from the local outbox (the Auth stand-in's e-mail catcher), sets a password and lands in the inbox.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { launchChromium, newPage, openFromTopBar, screenshot, signIn, stackEnv } from './support/stack.mjs'

const env = stackEnv()
const OWNER = {
  email: process.env.DEMO_ADMIN_EMAIL || 'owner@demo.sapa.local',
  password: process.env.DEMO_ADMIN_PASSWORD || 'sapa-demo-owner',
}
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

function newEmail(name) {
  return `${name}-${randomBytes(4).toString('hex')}@team.test.sapa.local`
}

/** What the local outbox holds for an address (newest first). */
async function mailsTo(email) {
  const response = await fetch(`${env.API_URL}/outbox/api/messages?to=${encodeURIComponent(email)}`)
  assert.equal(response.status, 200)
  return response.json()
}

/** The owner's access token (Auth's password grant) and a call to the team API with it. */
async function asOwner(method, path, body) {
  const token = await fetch(`${env.API_URL}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: env.ANON_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify(OWNER),
  }).then((r) => r.json())
  const response = await fetch(`${env.FUNCTIONS_URL}/api/stores/${env.DEMO_STORE_ID}/${path}`, {
    method,
    headers: { Authorization: `Bearer ${token.access_token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  assert.ok(response.ok, `${method} ${path} → ${response.status}: ${text}`)
  return text ? JSON.parse(text) : null
}

test('the owner invites an agent from the Team page; the invitation is pending and e-mailed', async (t) => {
  const { context, page, problems } = await newPage(browser)
  t.after(() => context.close())
  const email = newEmail('new-agent')
  try {
    await signIn(page, env, OWNER.email, OWNER.password)
    await page.getByTestId('inbox-view').waitFor({ timeout: 15_000 })
    await openFromTopBar(page, 'Team', 'Settings')
    await page.getByTestId('team-page').waitFor()
    await page.locator(`[data-testid="team-member"][data-email="${OWNER.email}"]`).waitFor()

    await page.getByTestId('team-invite-email').fill(email)
    await page.getByTestId('team-invite-role').selectOption('agent')
    await page.getByTestId('team-invite-submit').click()

    const row = page.locator(`[data-testid="team-invitation"][data-email="${email}"]`)
    await row.waitFor({ timeout: 10_000 })
    assert.match(await row.textContent(), /agent/)
    const mails = await mailsTo(email)
    assert.equal(mails.length, 1)
    assert.equal(mails[0].kind, 'invite')
    await screenshot(page, 'team')

    await row.getByTestId('team-invitation-revoke').click()
    await row.waitFor({ state: 'detached', timeout: 10_000 })
  } finally {
    if (problems.length > 0) t.diagnostic(problems.join('\n'))
  }
})

test('an invited agent opens the link in the local outbox, sets a password and sees the inbox', async (t) => {
  const { context, page, problems } = await newPage(browser)
  t.after(() => context.close())
  const email = newEmail('invited-agent')
  const invited = await asOwner('POST', 'invitations', { email, role: 'agent' })
  assert.equal(invited.status, 'invited')
  try {
    await page.goto(`${env.API_URL}/outbox`)
    const mail = page.locator(`[data-testid="outbox-message"][data-to="${email}"]`)
    await mail.waitFor()
    await screenshot(page, 'outbox')
    await mail.getByTestId('outbox-link').click()

    await page.getByTestId('set-password-view').waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('set-password-email').textContent(), email)
    await page.getByTestId('set-password').fill('pendek')
    await page.getByTestId('set-password-repeat').fill('pendek')
    await page.getByTestId('set-password-submit').click()
    assert.equal(await page.getByTestId('set-password-view').isVisible(), true, 'too short: the browser keeps the form')
    await page.getByTestId('set-password').fill('batik-lestari-2026')
    await page.getByTestId('set-password-repeat').fill('batik-lestari-2026')
    await screenshot(page, 'set-password')
    await page.getByTestId('set-password-submit').click()

    await page.getByTestId('inbox-view').waitFor({ timeout: 15_000 })
    await page.getByTestId('conversation-card').first().waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('signed-in-as').textContent(), email)
    assert.doesNotMatch(page.url(), /access_token/, 'the tokens are gone from the address bar')

    // The new password works on its own, and the agent sees the team but cannot change it.
    await page.getByTestId('sign-out').click()
    await signIn(page, env, email, 'batik-lestari-2026')
    await page.getByTestId('inbox-view').waitFor({ timeout: 15_000 })
    await openFromTopBar(page, 'Team', 'Settings')
    await page.locator(`[data-testid="team-member"][data-email="${email}"]`).waitFor()
    assert.equal(await page.getByTestId('team-invite-form').count(), 0, 'agents invite nobody')
    assert.equal(await page.getByTestId('team-member-remove').count(), 1, 'only "Leave…" on their own row')
  } finally {
    const members = (await asOwner('GET', 'team')).members.filter((m) => m.email === email)
    for (const member of members) await asOwner('DELETE', `members/${member.user_id}`)
    if (problems.length > 0) t.diagnostic(problems.join('\n'))
  }
})

test('a used link brings the reader back to sign in with the reason and a way to get a new one', async (t) => {
  const { context, page, problems } = await newPage(browser)
  t.after(() => context.close())
  try {
    await page.goto(`${env.API_URL}/auth/v1/verify?token=used-or-forged&type=recovery&redirect_to=${encodeURIComponent(`${env.DASHBOARD_URL}/`)}`)
    const error = page.getByTestId('login-error')
    await error.waitFor({ timeout: 15_000 })
    assert.match(await error.textContent(), /Email link is invalid or has expired/)

    await page.getByTestId('forgot-password').click()
    await page.getByTestId('forgot-email').fill(env.DEMO_AGENT_EMAIL)
    await page.getByTestId('forgot-submit').click()
    await page.getByTestId('forgot-sent').waitFor({ timeout: 10_000 })
    const mails = await mailsTo(env.DEMO_AGENT_EMAIL)
    assert.equal(mails[0].kind, 'recovery')
  } finally {
    if (problems.length > 0) t.diagnostic(problems.join('\n'))
  }
})
