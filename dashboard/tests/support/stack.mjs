// Shared helpers for the dashboard's browser tests: the running local stack (from `sapa status -o env`),
// Chromium through playwright-core, and service-role REST calls that play the webhook side.
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const REQUIRED_ENV = [
  'API_URL',
  'ANON_KEY',
  'SERVICE_ROLE_KEY',
  'DASHBOARD_URL',
  'DEMO_STORE_ID',
  'DEMO_AGENT_EMAIL',
  'DEMO_AGENT_PASSWORD',
  'FUNCTIONS_URL',
  'DEMO_WHATSAPP_NUMBER',
  'TWILIO_AUTH_TOKEN',
]

/** The agent of the second demo store (not printed by `sapa status`; the seed's fixed local-only login). */
export const OTHER_AGENT = {
  email: process.env.DEMO_OTHER_AGENT_EMAIL || 'other-agent@demo.sapa.local',
  password: process.env.DEMO_OTHER_AGENT_PASSWORD || 'sapa-demo-other',
}

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results')

/** The stack's URLs, keys and demo logins; throws with a how-to when any is missing. */
export function stackEnv() {
  const missing = REQUIRED_ENV.filter((name) => !process.env[name])
  if (missing.length > 0) {
    throw new Error(
      `Missing environment variable(s) ${missing.join(', ')}. These tests run against the local stack. ` +
        'From the repo root, either `.venv/bin/sapa exec -- bash -c "cd dashboard && npm test"` (starts a test ' +
        'stack) or, with a stack running, `set -a; eval "$(.venv/bin/sapa status -o env)"; set +a` then ' +
        '`cd dashboard && npm test`.',
    )
  }
  return Object.fromEntries(REQUIRED_ENV.map((name) => [name, process.env[name].replace(/\/+$/, '')]))
}

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A fresh page (own storage, so no session carries over) that records the page's errors for diagnostics. */
export async function newPage(browser, viewport = { width: 1440, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Asia/Jakarta' })
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console.${message.type()}: ${message.text()} (${message.location().url})`)
    }
  })
  return { context, page, problems }
}

export async function screenshot(page, name) {
  await mkdir(RESULTS_DIR, { recursive: true })
  // Confirmations would cover part of the screen: dismiss them, and let animations settle.
  await page
    .evaluate(() => document.querySelectorAll('[data-testid="toasts"] button').forEach((b) => b.click()))
    .catch(() => undefined)
  await page.waitForTimeout(250)
  await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`) })
}

export async function signIn(page, env, email, password) {
  await page.goto(`${env.DASHBOARD_URL}/`)
  await page.getByLabel('Email', { exact: true }).fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/** The same, with the keyboard only: the form starts focused on Email, Tab moves on, Enter submits. */
export async function signInWithKeyboard(page, env, email, password) {
  await page.goto(`${env.DASHBOARD_URL}/`)
  await page.getByLabel('Email', { exact: true }).waitFor()
  await page.keyboard.type(email)
  await page.keyboard.press('Tab')
  await page.keyboard.type(password)
  await page.keyboard.press('Enter')
}

/** The top bar's page links (the navigation landmark "Pages"). */
export function topBar(page) {
  return page.getByRole('navigation', { name: 'Pages' })
}

/** Opens one of the top bar's menus (Settings, Marketing); its links are then in the accessibility tree. */
export async function openTopBarMenu(page, menu) {
  const button = topBar(page).getByRole('button', { name: menu, exact: true })
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click()
}

/** Follows a link of the top bar by its name; `menu` names the menu that holds it, if it is in one. */
export async function openFromTopBar(page, name, menu) {
  if (menu) await openTopBarMenu(page, menu)
  await topBar(page).getByRole('link', { name, exact: true }).click()
}

/** A service-role PostgREST call (what the functions do); returns the parsed JSON body. */
export async function serviceRest(env, method, pathAndQuery, body) {
  const response = await fetch(`${env.API_URL}/rest/v1/${pathAndQuery}`, {
    method,
    headers: {
      apikey: env.SERVICE_ROLE_KEY,
      Authorization: `Bearer ${env.SERVICE_ROLE_KEY}`,
      'Content-Type': 'application/json',
      Prefer: 'return=representation',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} /rest/v1/${pathAndQuery} → HTTP ${response.status}: ${text}`)
  return text ? JSON.parse(text) : null
}

export function uniqueText(prefix) {
  return `${prefix} ${randomUUID()}`
}

/** A random E.164 number in Indonesia's mobile range, unlikely to clash with seeded customers. */
export function randomPhone() {
  return `+628${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`
}

/** Twilio's request signature: HMAC-SHA1 over the URL followed by each form key and value, keys sorted. */
export function twilioSignature(url, params, authToken) {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url)
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64')
}

/**
 * Posts what Twilio posts when a customer writes to the demo store on WhatsApp, signed with the store's
 * auth token. Returns the MessageSid and the wall-clock time the webhook answered.
 */
export async function sendWhatsApp(env, { phone, name, body, media = [] }) {
  const url = `${env.FUNCTIONS_URL}/webhooks/twilio`
  const messageSid = `SM${randomBytes(16).toString('hex')}`
  const form = {
    MessageSid: messageSid,
    AccountSid: `AC${'1'.repeat(32)}`,
    From: `whatsapp:${phone}`,
    To: `whatsapp:${env.DEMO_WHATSAPP_NUMBER}`,
    Body: body,
    NumMedia: String(media.length),
    ProfileName: name,
    WaId: phone.replace(/^\+/, ''),
  }
  media.forEach((item, i) => {
    form[`MediaUrl${i}`] = item.url
    form[`MediaContentType${i}`] = item.contentType
  })
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': twilioSignature(url, form, env.TWILIO_AUTH_TOKEN),
    },
    body: new URLSearchParams(form).toString(),
  })
  const answeredAt = Date.now()
  const text = await response.text()
  if (response.status !== 200) throw new Error(`Twilio webhook → HTTP ${response.status}: ${text}`)
  return { messageSid, answeredAt }
}

/** Signs in through the auth API (what supabase-js does); returns the access token and user id. */
export async function passwordSignIn(env, email, password) {
  const response = await fetch(`${env.API_URL}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: env.ANON_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`sign-in of ${email} → HTTP ${response.status}: ${JSON.stringify(body)}`)
  return { accessToken: body.access_token, userId: body.user.id }
}

/** Polls until `read()` returns something truthy (or throws with `what` after the timeout). */
export async function eventually(read, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  let last
  for (;;) {
    last = await read()
    if (last) return last
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
