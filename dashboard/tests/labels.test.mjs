// The inbox card's label is the conversation's most urgent issue (kept by the database, migration
// 20261203000050), not the latest message's; a label the classifier was unsure of is shown differently.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  eventually,
  launchChromium,
  newPage,
  randomPhone,
  screenshot,
  serviceRest,
  signIn,
  stackEnv,
  uniqueText,
} from './support/stack.mjs'

const env = stackEnv()
let browser
let customerId

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  // The customer's conversation and messages go with it (on delete cascade).
  if (customerId) await serviceRest(env, 'DELETE', `customers?id=eq.${customerId}`)
  await browser?.close()
})

async function labelledMessage(conversationId, body, minutesAgo, labels) {
  const [message] = await serviceRest(env, 'POST', 'messages', {
    store_id: env.DEMO_STORE_ID,
    conversation_id: conversationId,
    direction: 'inbound',
    sender: 'customer',
    body,
    provider_message_id: uniqueText('SMlabel').replace(/\W/g, ''),
    status: 'received',
    created_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    ...labels,
  })
  return message
}

test('the card shows the most urgent issue of the conversation, and an unsure label differently', async (t) => {
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  const { page } = session
  await signIn(page, env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 10_000 })

  const [customer] = await serviceRest(env, 'POST', 'customers', {
    store_id: env.DEMO_STORE_ID,
    phone: randomPhone(),
    name: uniqueText('Label test customer'),
  })
  customerId = customer.id
  const [conversation] = await serviceRest(env, 'POST', 'conversations', {
    store_id: env.DEMO_STORE_ID,
    customer_id: customer.id,
    last_message_at: new Date().toISOString(),
  })
  const card = page.locator(`[data-testid="conversation-card"][data-conversation-id="${conversation.id}"]`)
  const badges = async () => ({
    category: await card.getByTestId('category-badge').textContent().catch(() => null),
    urgency: (await card.getByTestId('urgency-badge').textContent().catch(() => null))?.replace(' urgency', ''),
    unsure: await card.getByTestId('label-unsure').count(),
    dashed: await card.locator('.badge--unsure').count(),
  })
  const cardShows = (expected, what) =>
    eventually(async () => {
      const shown = await badges()
      return JSON.stringify(shown) === JSON.stringify(expected) ? shown : null
    }, what)

  try {
    await card.waitFor({ timeout: 10_000 })

    // A charge taken twice, then a thank-you: the card keeps the high payment issue.
    const charged = await labelledMessage(conversation.id, 'saldo aku kepotong 2x kak', 3, {
      category: 'payment',
      urgency: 'high',
      label_confidence: 0.92,
      label_unsure: false,
    })
    await labelledMessage(conversation.id, 'makasih kak 🙏', 1, {
      category: 'other',
      urgency: 'low',
      label_confidence: 0.97,
      label_unsure: false,
    })
    await cardShows(
      { category: 'Payment', urgency: 'High', unsure: 0, dashed: 0 },
      'the card to show the high payment issue, not the later thank-you',
    )
    assert.equal(await card.getByTestId('last-message').textContent(), 'makasih kak 🙏', 'the preview is the latest')

    // An unsure high label does not replace a sure one of the same urgency ...
    await labelledMessage(conversation.id, 'kak ini gimana sih', 0.5, {
      category: 'refund',
      urgency: 'high',
      label_confidence: 0.38,
      label_unsure: true,
    })
    await cardShows({ category: 'Payment', urgency: 'High', unsure: 0, dashed: 0 }, 'the sure label to stay')

    // ... but once the sure one is corrected down, the unsure one is the conversation's label, and the
    // card says the classifier was unsure: dashed badges and an "unsure" note.
    await serviceRest(env, 'PATCH', `messages?id=eq.${charged.id}`, { urgency: 'medium' })
    await cardShows({ category: 'Refund', urgency: 'High', unsure: 1, dashed: 2 }, 'the unsure label, shown differently')
    assert.match(await card.getByTestId('urgency-badge').getAttribute('title'), /unsure/)
    assert.equal(await card.getByTestId('category-badge').getAttribute('data-unsure'), 'true')

    // The urgency filter reads the conversation's label.
    await page.getByLabel('Urgency', { exact: true }).selectOption('high')
    await card.waitFor({ timeout: 10_000 })
    await page.getByLabel('Urgency', { exact: true }).selectOption('low')
    await card.waitFor({ state: 'detached', timeout: 10_000 })
    await screenshot(page, 'inbox-labels')
  } finally {
    await screenshot(page, 'inbox-labels-final')
  }
})
