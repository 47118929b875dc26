// Settings → Sapa in a real browser (Chromium through playwright-core), as the shop's administrator first
// sees it: logs in through wp-login.php, opens the page, checks it rendered the plugin's form, and saves a
// screenshot for the README (dashboard/test-results/wp-plugin-settings.png). run.sh calls it with the site's
// URL once `php -S` serves the site; playwright-core comes from the dashboard's node_modules.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '..', '..', '..')
const { chromium } = createRequire(path.join(repo, 'dashboard', 'package.json'))('playwright-core')
const [site, user, password, name] = process.argv.slice(2)
const results = path.join(repo, 'dashboard', 'test-results')

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
})
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  await page.goto(`${site}/wp-login.php`)
  await page.fill('#user_login', user)
  await page.fill('#user_pass', password)
  await Promise.all([page.waitForURL(/wp-admin/), page.click('#wp-submit')])
  await page.goto(`${site}/wp-admin/options-general.php?page=sapa`)
  await page.locator('.wrap h1').filter({ hasText: 'Sapa' }).waitFor()
  assert.equal(await page.locator('form[action$="admin-post.php"]').count() > 0, true, 'the settings form is on the page')
  await mkdir(results, { recursive: true })
  await page.screenshot({ path: path.join(results, `${name}.png`), fullPage: true })
  console.log(`screenshot: Settings → Sapa in Chromium (${name}.png)`)
} finally {
  await browser.close()
}
