// The Knowledge page end to end: an owner uploads a real file made here, sees it go processing → ready
// (the worker's status reaches the page over realtime), reads the extracted text, asks a question and sees
// the passage the assistant would use, and deletes the document. An oversized file and a file of the
// wrong type each get a plain-words error and leave nothing stored. An agent can look but not change.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { eventually, launchChromium, newPage, openFromTopBar, screenshot, serviceRest, signIn, stackEnv } from './support/stack.mjs'

const env = stackEnv()
const ADMIN = {
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

async function openKnowledge(t, email, password) {
  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  const { page } = session
  await signIn(page, env, email, password)
  await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 10_000 })
  await openFromTopBar(page, 'Knowledge', 'Settings')
  await page.getByTestId('knowledge-page').waitFor()
  await page.getByRole('heading', { name: 'Documents' }).waitFor()
  return session
}

async function documentRows(title) {
  return serviceRest(
    env,
    'GET',
    `knowledge_documents?select=id,status&store_id=eq.${env.DEMO_STORE_ID}&title=eq.${encodeURIComponent(title)}`,
  )
}

/** Records every status a document row shows, from before the upload on (the page may move fast). */
async function watchStatuses(page) {
  await page.evaluate(() => {
    window.__sapaStatuses = []
    const note = () => {
      for (const row of document.querySelectorAll('[data-testid="knowledge-document"]')) {
        const entry = `${row.dataset.documentId}:${row.dataset.status}`
        if (!window.__sapaStatuses.includes(entry)) window.__sapaStatuses.push(entry)
      }
    }
    note()
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status'],
    })
  })
}

test('an owner uploads a document, watches it become ready, finds its passage, and deletes it', async (t) => {
  const { page } = await openKnowledge(t, ADMIN.email, ADMIN.password)
  const code = randomUUID().slice(0, 8)
  const name = `warranty-${code}.txt`
  const text = [
    `Warranty policy ${code}`,
    '',
    `Every hand-stamped batik sarong carries a ninety day colour warranty (code ${code}). If the colours`,
    'fade or bleed within ninety days of delivery, send us a photo on WhatsApp and we replace the sarong',
    'free of charge, including shipping.',
  ].join('\n')
  await watchStatuses(page)

  await page.getByTestId('knowledge-upload-input').setInputFiles({
    name,
    mimeType: 'text/plain',
    buffer: Buffer.from(text, 'utf8'),
  })

  const row = page.locator('[data-testid="knowledge-document"]', { hasText: name })
  await row.waitFor({ timeout: 10_000 })
  const documentId = await row.getAttribute('data-document-id')
  await page.locator(`[data-testid="knowledge-document"][data-document-id="${documentId}"][data-status="ready"]`)
    .waitFor({ timeout: 60_000 })
  const seen = await page.evaluate((id) => window.__sapaStatuses.filter((s) => s.startsWith(`${id}:`)), documentId)
  assert.deepEqual(seen, [`${documentId}:processing`, `${documentId}:ready`], 'processing, then ready, shown live')
  assert.match(await row.innerText(), /Ready/)
  assert.match(await row.innerText(), /passages?/)

  await row.getByText('Extracted text').click()
  assert.match(await row.getByTestId('document-preview').innerText(), /ninety day colour warranty/)

  await page.getByTestId('knowledge-question').fill(`How long is the colour warranty on a sarong (${code})?`)
  await page.getByTestId('knowledge-ask').click()
  const passage = page.locator(`[data-testid="knowledge-passage"][data-document-id="${documentId}"]`).first()
  await passage.waitFor({ timeout: 15_000 })
  assert.match(await passage.innerText(), /ninety day colour warranty/)
  await screenshot(page, 'knowledge')

  await row.getByTestId('document-delete').click()
  await row.getByTestId('document-delete-confirm').click()
  await row.waitFor({ state: 'detached', timeout: 10_000 })
  await eventually(
    async () =>
      (await serviceRest(env, 'GET', `knowledge_documents?select=id&id=eq.${documentId}`)).length === 0,
    'the document row to be gone',
  )
})

test('an oversized file and a file of the wrong type get plain-words errors and store nothing', async (t) => {
  const { page } = await openKnowledge(t, ADMIN.email, ADMIN.password)
  const code = randomUUID().slice(0, 8)

  await page.getByTestId('knowledge-upload-input').setInputFiles({
    name: `catalogue-${code}.pdf`,
    mimeType: 'application/pdf',
    buffer: Buffer.alloc(11 * 1024 * 1024, 0x20),
  })
  const tooBig = page.getByTestId('knowledge-upload-error').filter({ hasText: `catalogue-${code}.pdf` })
  await tooBig.waitFor()
  assert.match(await tooBig.innerText(), /can be up to 4(\.0)? MB/)

  await page.getByTestId('knowledge-upload-input').setInputFiles({
    name: `prices-${code}.zip`,
    mimeType: 'application/zip',
    buffer: Buffer.from('PK\u0003\u0004 not a document', 'latin1'),
  })
  const wrongType = page.getByTestId('knowledge-upload-error').nth(1)
  await wrongType.waitFor({ timeout: 10_000 })
  const message = await wrongType.innerText()
  assert.doesNotMatch(message, /HTTP \d{3}|Traceback|Exception/, 'the API says why, in words')
  assert.match(message, /PDF|type|format/i)

  for (const title of [`catalogue-${code}.pdf`, `prices-${code}.zip`, `catalogue-${code}`, `prices-${code}`]) {
    assert.deepEqual(await documentRows(title), [], `nothing stored for ${title}`)
  }
  const stored = await serviceRest(
    env,
    'GET',
    `knowledge_documents?select=id&store_id=eq.${env.DEMO_STORE_ID}&filename=like.*${code}*`,
  )
  assert.deepEqual(stored, [])
})

test('a document being processed shows how far it is, live', async (t) => {
  const { page } = await openKnowledge(t, ADMIN.email, ADMIN.password)
  const id = randomUUID()
  const title = `Long catalogue ${id.slice(0, 8)}`
  await serviceRest(env, 'POST', 'knowledge_documents', {
    id,
    store_id: env.DEMO_STORE_ID,
    title,
    filename: 'catalogue.txt',
    content_type: 'text/plain',
    size_bytes: 4_000_000,
    storage_key: `knowledge/${env.DEMO_STORE_ID}/${id}/catalogue.txt`,
  })
  t.after(() => serviceRest(env, 'DELETE', `knowledge_documents?id=eq.${id}`))
  const status = page.locator(`[data-testid="knowledge-document"][data-document-id="${id}"] [data-testid="document-status"]`)
  await status.waitFor({ timeout: 10_000 })
  assert.match(await status.innerText(), /^Processing…$/, 'before its passages are counted: no percentage')

  // What the worker's first run does (sapa.knowledge.documents): 2 of the document's 5 passages stored.
  const passage = (n) => ({
    ordinal: n,
    heading: 'Catalogue',
    page: null,
    content: `Item ${n}.`,
    embedding: Array.from({ length: 384 }, (_, i) => (i === n ? 1 : 0)),
  })
  const done = await serviceRest(env, 'POST', 'rpc/store_knowledge_batch', {
    p_document_id: id,
    p_chunks: [passage(0), passage(1)],
    p_embedding_model: 'test-model',
    p_chunks_total: 5,
  })
  assert.equal(done, 2)

  await eventually(async () => /^Processing 40 %$/.test(await status.innerText()), 'the row to show “Processing 40 %”')
})

test('an agent sees the documents and can try a question, but cannot upload or delete', async (t) => {
  const { page } = await openKnowledge(t, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await page.getByTestId('knowledge-question').waitFor()
  assert.equal(await page.getByTestId('knowledge-upload-input').count(), 0)
  assert.equal(await page.getByTestId('document-delete').count(), 0)
})

test('the thread shows under each attachment the text the worker read from it, or why it could not', async (t) => {
  // What the webhook stores, then what the reply job records after reading the media (the same SQL functions).
  const phone = `+62895${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`
  const media = (id) => `https://api.twilio.com/2010-04-01/Accounts/AC${'1'.repeat(32)}/Messages/MM${'2'.repeat(32)}/Media/ME${id}`
  const [ingested] = await serviceRest(env, 'POST', 'rpc/ingest_whatsapp_message', {
    p_to_phone: env.DEMO_WHATSAPP_NUMBER,
    p_from_phone: phone,
    p_profile_name: 'Dewi',
    p_message_sid: `SM${randomUUID().replaceAll('-', '')}`,
    p_body: 'Ini bukti transfernya kak',
    p_media: [
      { url: media('a'.repeat(32)), content_type: 'image/jpeg' },
      { url: media('b'.repeat(32)), content_type: 'audio/ogg' },
    ],
  })
  await serviceRest(env, 'POST', 'rpc/record_message_media', {
    p_message_id: ingested.message_id,
    p_index: 0,
    p_result: { status: 'extracted', text: 'Transfer BCA berhasil\nRp 385.000 ke Batik Sapa', pages: 1, method: 'ocr' },
  })
  await serviceRest(env, 'POST', 'rpc/record_message_media', {
    p_message_id: ingested.message_id,
    p_index: 1,
    p_result: { status: 'unsupported', error: 'Sapa cannot read audio/ogg files.', storage_key: `media/${env.DEMO_STORE_ID}/${ingested.message_id}/1.oga` },
  })

  const session = await newPage(browser)
  t.after(async () => {
    if (session.problems.length > 0) t.diagnostic(session.problems.join('\n'))
    await session.context.close()
  })
  const { page } = session
  await signIn(page, env, env.DEMO_AGENT_EMAIL, env.DEMO_AGENT_PASSWORD)
  await page.locator('[data-testid="realtime-status"][data-state="SUBSCRIBED"]').waitFor({ timeout: 10_000 })
  await page.goto(`${env.DASHBOARD_URL}/#/c/${ingested.conversation_id}`)
  const message = page.locator(`[data-testid="message"][data-message-id="${ingested.message_id}"]`)
  await message.waitFor({ timeout: 10_000 })

  const read = message.getByTestId('media-text')
  await read.getByText('Text read from it').click()
  assert.match(await read.innerText(), /Transfer BCA berhasil\s+Rp 385\.000 ke Batik Sapa/)
  assert.match(await message.getByTestId('media-note').innerText(), /a person needs to look at it.*audio\/ogg/s)
  assert.equal(await message.getByTestId('media-open-kept').count(), 1, 'the kept voice note can be opened; the photo was not kept here')
})
