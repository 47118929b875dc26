// Shared helpers for the dashboard's browser tests: the running local stack (from `sapa status -o env`),
// Chromium through playwright-core, and service-role REST calls that play the webhook side.
import { randomUUID } from 'node:crypto'
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
]

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
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
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
