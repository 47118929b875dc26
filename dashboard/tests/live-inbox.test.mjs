// The live inbox end to end: a customer writes on WhatsApp (a signed Twilio webhook), the card shows up
// within a second, and the agent works the conversation through Sapa's API: take over, reply (sent through
// the sandbox), private note, ticket, hand back, resolve. Every step is checked in the database too.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  eventually,
  launchChromium,
  newPage,
  passwordSignIn,
  screenshot,
  sendWhatsApp,
  serviceRest,
  signIn,
  stackEnv,
} from './support/stack.mjs'

const LATENCY_BUDGET_MS = 1000

const env = stackEnv()
let browser
let agent
/** A seeded customer with a paid order and no open conversation: their message opens a new one. */
let customer

before(async () => {
  browser = await launchChromium()
  agent = await passwordSignIn(env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  const orders = await serviceRest(
    env,
    'GET',
    `orders?select=number,customer:customers!inner(id,name,phone)&store_id=eq.${env.DEMO_STORE_ID}` +
      '&status=eq.processing&customer.phone=not.is.null&order=created_at.desc&limit=40',
  )
  for (const order of orders) {
    const open = await serviceRest(
      env,
      'GET',
      `conversations?select=id&customer_id=eq.${order.customer.id}&status=neq.resolved`,
    )
    if (open.length === 0) {
      customer = { ...order.customer, orderNumber: order.number }
      break
    }
  }
  assert.ok(customer, 'the demo seed has a customer with a processing order and no open conversation')
})

after(async () => {
  await browser?.close()
})

async function openInbox(t, email = env.DEMO_AGENT_EMAIL, password = env.DEMO_AGENT_PASSWORD) {
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  await signIn(session.page, env, email, password)
  await session.page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 10_000 })
  await session.page.getByTestId('inbox-loading').waitFor({ state: 'detached', timeout: 10_000 })
  return session
}

/**
 * Notes in the page the moment a card for this phone is shown whose last message is not `previous`: a new
 * card (previous = null), or a card updated by a new message. (The bot may answer within milliseconds, so
 * the card's last message can already be the bot's reply when it is first drawn.)
 */
async function watchForCard(page, phone, previous) {
  await page.evaluate(
    ([phone, previous]) => {
      window.__sapaSeenAt = null
      const seen = () =>
        [...document.querySelectorAll('[data-testid="conversation-card"]')].some(
          (card) =>
            card.querySelector('[data-testid="customer-phone"]')?.textContent === phone &&
            card.querySelector('[data-testid="last-message"]')?.textContent !== previous,
        )
      const observer = new MutationObserver(() => {
        if (seen()) {
          window.__sapaSeenAt = Date.now()
          observer.disconnect()
        }
      })
      observer.observe(document.body, { childList: true, subtree: true, characterData: true })
    },
    [phone, previous],
  )
}

async function seenAt(page) {
  return page
    .waitForFunction(() => window.__sapaSeenAt, null, { timeout: LATENCY_BUDGET_MS + 4000, polling: 10 })
    .then((handle) => handle.jsonValue())
    .catch(() => null)
}

async function conversationOf(messageSid) {
  const [message] = await serviceRest(
    env,
    'GET',
    `messages?select=conversation_id&provider_message_id=eq.${messageSid}&store_id=eq.${env.DEMO_STORE_ID}`,
  )
  assert.ok(message, `message ${messageSid} was stored`)
  return message.conversation_id
}

async function conversationRow(id) {
  const [row] = await serviceRest(env, 'GET', `conversations?select=*&id=eq.${id}`)
  return row
}

async function auditActions(conversationId) {
  const rows = await serviceRest(
    env,
    'GET',
    `audit_log?select=action,actor_id,target_id,details&store_id=eq.${env.DEMO_STORE_ID}&order=id`,
  )
  return rows.filter((r) => r.target_id === conversationId || r.details?.conversation_id === conversationId)
}

let conversationId
/** A document the customer attaches (Twilio hands over its media by URL). */
const ADDRESS_PDF = {
  url: `https://api.twilio.com/2010-04-01/Accounts/AC${'1'.repeat(32)}/Messages/MM${'2'.repeat(32)}/Media/ME${'3'.repeat(32)}`,
  contentType: 'application/pdf',
}

test('a WhatsApp message shows as a new card, then updates it, each within 1 s, without a reload', async (t) => {
  const { page } = await openInbox(t)
  try {
    const first = `Halo kak, pesanan #${customer.orderNumber} saya sudah dikirim belum ya? Mau dipakai hari Sabtu 🙏`
    assert.equal(await page.getByText(customer.phone).count(), 0, 'no card for this customer yet')
    await watchForCard(page, customer.phone, null)
    const postedAt = Date.now()
    const { messageSid, answeredAt } = await sendWhatsApp(env, {
      phone: customer.phone,
      name: customer.name,
      body: first,
    })
    const shownAt = await seenAt(page)
    assert.ok(shownAt !== null, 'the new conversation did not appear')
    t.diagnostic(
      `new card: ${shownAt - postedAt} ms after the webhook was posted (${shownAt - answeredAt} ms after it answered)`,
    )
    assert.ok(shownAt - postedAt <= LATENCY_BUDGET_MS, `shown ${shownAt - postedAt} ms after posting`)
    conversationId = await conversationOf(messageSid)

    const card = page.locator(`[data-testid="conversation-card"][data-conversation-id="${conversationId}"]`)
    assert.equal(await card.count(), 1)
    assert.equal(await card.getByTestId('customer-name').textContent(), customer.name)

    // The same customer writes again: the same card updates (and stays the only one).
    const second = 'Oh iya, alamat pengirimannya ke Jl. Kaliurang km 5 ya kak'
    // Wait for the bot's answer to the first message, so the update seen next is the new message's.
    await eventually(async () => {
      const [latest] = await serviceRest(
        env,
        'GET',
        `messages?select=sender,body&conversation_id=eq.${conversationId}&order=created_at.desc&limit=1`,
      )
      return latest.sender === 'bot' && (await card.getByTestId('last-message').textContent()) === latest.body
    }, 'the bot’s answer to the first message on the card')
    await watchForCard(page, customer.phone, await card.getByTestId('last-message').textContent())
    const postedAgainAt = Date.now()
    await sendWhatsApp(env, { phone: customer.phone, name: customer.name, body: second, media: [ADDRESS_PDF] })
    const updatedAt = await seenAt(page)
    assert.ok(updatedAt !== null, 'the card did not update')
    t.diagnostic(`updated card: ${updatedAt - postedAgainAt} ms after the webhook was posted`)
    assert.ok(updatedAt - postedAgainAt <= LATENCY_BUDGET_MS, `updated ${updatedAt - postedAgainAt} ms after posting`)
    assert.equal(await card.count(), 1, 'one card per conversation')
    assert.equal(
      await page.getByTestId('conversation-card').first().getAttribute('data-conversation-id'),
      conversationId,
      'the conversation with the newest message is on top',
    )

    // Searching by phone (as typed locally, 08…) finds it and only it.
    const local = `0${customer.phone.slice(3)}`
    await page.getByLabel('Search by customer name or phone').fill(local)
    await eventually(
      async () => (await page.getByTestId('conversation-card').count()) === 1,
      'the search to narrow the list to one card',
    )
    assert.equal(await page.getByTestId('conversation-card').first().getAttribute('data-conversation-id'), conversationId)
    await page.getByLabel('Search by customer name or phone').fill('')
    await eventually(async () => (await page.getByTestId('conversation-card').count()) > 1, 'the full list again')
  } finally {
    await page.evaluate(() => document.activeElement?.blur())
    await screenshot(page, 'inbox')
  }
})

test('the agent takes over, replies (sent through the sandbox), notes, tickets, hands back and resolves', async (t) => {
  assert.ok(conversationId, 'the previous test opened a conversation')
  const { page } = await openInbox(t)
  const view = page.getByTestId('conversation-view')
  try {
    await page.locator(`[data-conversation-id="${conversationId}"] a.card`).click()
    await view.waitFor({ timeout: 5_000 })
    assert.equal(await view.getAttribute('data-conversation-id'), conversationId)
    assert.equal(await page.getByTestId('conversation-title').textContent(), customer.name)
    await page.getByTestId('message-body').filter({ hasText: 'Jl. Kaliurang' }).waitFor({ timeout: 5_000 })
    const attachment = page.getByTestId('media-file')
    assert.equal(await attachment.getAttribute('href'), ADDRESS_PDF.url, 'the attached document links to its media')
    assert.match(await attachment.textContent(), /PDF document/)
    assert.match(await page.getByTestId('service-window').textContent(), /^24h window: \d+h \d\dm left$/)
    await page.getByTestId('order').filter({ hasText: `#${customer.orderNumber}` }).waitFor({ timeout: 5_000 })

    // Take over: the conversation is the agent's, a person answers from now on.
    await page.getByTestId('take-over').click()
    await page.locator('[data-testid="conversation-view"][data-status="human"]').waitFor({ timeout: 5_000 })
    await eventually(
      async () => (await page.getByTestId('assignee-select').inputValue()) === agent.userId,
      'the assignee picker to show the agent',
    )
    let row = await conversationRow(conversationId)
    assert.equal(row.status, 'human')
    assert.equal(row.assignee_id, agent.userId)
    assert.ok(row.handed_off_at)

    // Reply: stored as the agent's message and sent (the demo store has no Twilio account: sandbox).
    const reply = `Halo kak ${customer.name.split(' ')[0]}, pesanan #${customer.orderNumber} sedang kami kemas dan dikirim besok pagi ya 🙏`
    await page.getByLabel(`Reply to ${customer.name}`).fill(reply)
    await page.getByTestId('send-reply').click()
    const bubble = page.locator('[data-testid="message"][data-sender="agent"]').filter({ hasText: reply })
    await bubble.waitFor({ timeout: 5_000 })
    await page
      .locator('[data-testid="message"][data-sender="agent"][data-status="sandbox"]')
      .filter({ hasText: reply })
      .waitFor({ timeout: 5_000 })
    const [stored] = await serviceRest(
      env,
      'GET',
      `messages?select=direction,sender,status,body,metadata&conversation_id=eq.${conversationId}&sender=eq.agent`,
    )
    assert.equal(stored.body, reply)
    assert.equal(stored.direction, 'outbound')
    assert.equal(stored.status, 'sandbox', 'sent through the sandbox (no Twilio account in the demo)')
    // The composer empties once the API has confirmed (realtime may show the message a moment earlier).
    await eventually(
      async () => (await page.getByLabel(`Reply to ${customer.name}`).inputValue()) === '',
      'the composer to be cleared',
      5_000,
    )

    // A private note: shown in the thread, stored, never sent.
    const note = 'Sudah cek ke gudang: paket siap kirim JNE besok 08.00'
    await page.getByRole('tab', { name: 'Private note' }).click()
    await page.getByLabel('Note for your team').fill(note)
    await page.getByTestId('add-note').click()
    await page.getByTestId('note-body').filter({ hasText: note }).waitFor({ timeout: 5_000 })
    const notes = await serviceRest(env, 'GET', `conversation_notes?select=body,author_id&conversation_id=eq.${conversationId}`)
    assert.deepEqual(notes, [{ body: note, author_id: agent.userId }])
    const leaked = await serviceRest(env, 'GET', `messages?select=id&conversation_id=eq.${conversationId}&body=eq.${encodeURIComponent(note)}`)
    assert.equal(leaked.length, 0, 'a note is never a message')
    await page.getByRole('tab', { name: 'Reply' }).click()

    // A ticket for the follow-up.
    await page.getByTestId('open-ticket-toggle').click()
    await page.getByLabel('Subject').fill('Kirim nomor resi setelah paket diserahkan ke JNE')
    await page.getByTestId('ticket-priority').selectOption('high')
    await page.getByTestId('create-ticket').click()
    const ticket = page.locator('[data-testid="ticket"][data-status="open"]').filter({ hasText: 'nomor resi' })
    await ticket.waitFor({ timeout: 5_000 })
    const [ticketRow] = await serviceRest(env, 'GET', `tickets?select=*&conversation_id=eq.${conversationId}&subject=like.*resi*`)
    assert.equal(ticketRow.status, 'open')
    assert.equal(ticketRow.priority, 'high')
    await screenshot(page, 'conversation')

    // Hand back to the bot.
    await page.getByTestId('hand-back').click()
    await page.locator('[data-testid="conversation-view"][data-status="bot"]').waitFor({ timeout: 5_000 })
    row = await conversationRow(conversationId)
    assert.equal(row.status, 'bot')
    assert.equal(row.assignee_id, null)

    // Resolve the ticket, then the conversation.
    await ticket.getByTestId('resolve-ticket').click()
    await page.locator('[data-testid="ticket"][data-status="resolved"]').filter({ hasText: 'nomor resi' }).waitFor({ timeout: 5_000 })
    await page.getByTestId('resolve').click()
    await page.locator('[data-testid="conversation-view"][data-status="resolved"]').waitFor({ timeout: 5_000 })
    await page.getByTestId('composer-resolved').waitFor()
    row = await conversationRow(conversationId)
    assert.equal(row.status, 'resolved')
    assert.equal(row.resolution, 'human')
    assert.ok(row.resolved_at)
    // Under the default "Open" filter the resolved conversation leaves the list, live.
    await page
      .locator(`[data-testid="conversation-card"][data-conversation-id="${conversationId}"]`)
      .waitFor({ state: 'detached', timeout: 5_000 })

    const actions = (await auditActions(conversationId)).map((a) => [a.action, a.actor_id])
    for (const action of [
      'conversation.taken_over',
      'conversation.agent_replied',
      'conversation.note_added',
      'ticket.opened',
      'conversation.handed_back',
      'ticket.updated',
      'conversation.resolved',
    ]) {
      assert.ok(
        actions.some(([a, actor]) => a === action && actor === agent.userId),
        `audit log has ${action} by the agent (has ${actions.map(([a]) => a).join(', ')})`,
      )
    }
  } finally {
    await screenshot(page, 'conversation-resolved')
  }
})

test('outside the 24-hour window the composer offers approved templates only', async (t) => {
  // A conversation whose customer last wrote two days ago (seeded here through the service role).
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000).toISOString()
  const phone = `+628${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`
  const [quiet] = await serviceRest(env, 'POST', 'customers', {
    store_id: env.DEMO_STORE_ID,
    phone,
    name: 'Wahyu Hidayat',
  })
  t.after(() => serviceRest(env, 'DELETE', `customers?id=eq.${quiet.id}`))
  const [conversation] = await serviceRest(env, 'POST', 'conversations', {
    store_id: env.DEMO_STORE_ID,
    customer_id: quiet.id,
    status: 'human',
    handed_off_at: twoDaysAgo,
    created_at: twoDaysAgo,
  })
  await serviceRest(env, 'POST', 'messages', {
    store_id: env.DEMO_STORE_ID,
    conversation_id: conversation.id,
    direction: 'inbound',
    sender: 'customer',
    body: 'Kak, batik tulis Lasem yang merah masih ada stok?',
    status: 'received',
    provider_message_id: `SMquiet${Date.now()}`,
    created_at: twoDaysAgo,
  })

  const { page } = await openInbox(t)
  try {
    await page.goto(`${env.DASHBOARD_URL}/#/c/${conversation.id}`)
    await page.getByTestId('conversation-view').waitFor({ timeout: 5_000 })
    assert.equal(await page.getByTestId('service-window').getAttribute('data-open'), 'false')
    assert.match(await page.getByTestId('service-window').textContent(), /closed/)
    assert.equal(await page.getByTestId('reply-text').count(), 0, 'no free-text box outside the window')

    const picker = page.getByLabel('Approved template')
    await eventually(async () => (await picker.locator('option').count()) > 1, 'the templates to load')
    const followUp = await picker.locator('option', { hasText: 'follow_up (en)' }).getAttribute('value')
    await picker.selectOption(followUp)
    await page.getByLabel('Value for {{1}}').fill('Wahyu')
    const preview = await page.getByTestId('template-preview').textContent()
    assert.match(preview, /^Hi Wahyu, /)
    await screenshot(page, 'template-composer')
    await page.getByTestId('send-template').click()

    await page
      .locator('[data-testid="message"][data-sender="agent"][data-status="sandbox"]')
      .filter({ hasText: preview })
      .waitFor({ timeout: 5_000 })
    const [sent] = await serviceRest(
      env,
      'GET',
      `messages?select=body,status,metadata&conversation_id=eq.${conversation.id}&sender=eq.agent`,
    )
    assert.equal(sent.body, preview, 'the rendered template is stored as the body')
    assert.equal(sent.status, 'sandbox')
    assert.equal(sent.metadata.template.content_sid, followUp)
  } finally {
    await screenshot(page, 'template-sent')
  }
})
