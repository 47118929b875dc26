// Signing in: a wrong password is refused with a message and shows no conversations.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchChromium, newPage, screenshot, signInWithKeyboard, stackEnv } from './support/stack.mjs'

const env = stackEnv()
let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

test('a wrong password, typed with the keyboard only, shows an error and no conversation list', async (t) => {
  const { context, page, problems } = await newPage(browser)
  t.after(() => context.close())
  try {
    await signInWithKeyboard(page, env, env.DEMO_AGENT_EMAIL, `${env.DEMO_AGENT_PASSWORD}-wrong`)
    const error = page.getByTestId('login-error')
    await error.waitFor({ state: 'visible', timeout: 10_000 })
    assert.match(await error.textContent(), /^Sign-in failed: .+/)
    assert.equal(await page.getByTestId('inbox-view').isVisible(), false, 'the inbox stays hidden')
    assert.equal(await page.getByTestId('conversation-card').count(), 0, 'no conversation is listed')
    assert.equal(await page.getByLabel('Password', { exact: true }).isVisible(), true, 'the form is still there')
  } finally {
    await screenshot(page, 'login-wrong-password')
    if (problems.length > 0) t.diagnostic(problems.join('\n'))
  }
})
