// The top bar: the daily pages up front, Marketing and Settings as menus of links. As the owner and as an
// agent, every page the role may open is reachable from the bar (the menus from the keyboard), the others are
// not offered, the current page is marked, and at a phone's width (390×844) nothing of the bar leaves the screen.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { launchChromium, newPage, screenshot, signIn, stackEnv, topBar as bar } from './support/stack.mjs'

const env = stackEnv()
for (const name of ['DEMO_ADMIN_EMAIL', 'DEMO_ADMIN_PASSWORD']) {
  if (!process.env[name]) throw new Error(`${name} is not set: run the tests through \`sapa exec\``)
}

/** What each page shows once it is open: its heading. */
const PAGES = {
  Inbox: { hash: '#/', heading: 'Conversations' },
  Customers: { hash: '#/customers', heading: 'Customers' },
  KPIs: { hash: '#/kpis', heading: 'KPIs' },
  Broadcasts: { hash: '#/broadcasts', heading: 'Broadcasts' },
  Segments: { hash: '#/segments', heading: 'Segments' },
  Store: { hash: '#/settings/store', heading: 'Store' },
  'Order updates': { hash: '#/settings/notifications', heading: 'Order updates' },
  Assistant: { hash: '#/settings/assistant', heading: 'Assistant' },
  Knowledge: { hash: '#/knowledge', heading: 'Knowledge' },
  Team: { hash: '#/team', heading: 'Team' },
  Audit: { hash: '#/audit', heading: 'Audit trail' },
}

const ROLES = {
  owner: {
    email: process.env.DEMO_ADMIN_EMAIL,
    password: process.env.DEMO_ADMIN_PASSWORD,
    // The bar's own items in order: links by name, menus as [button, their links].
    bar: [
      'Inbox',
      'Customers',
      ['Marketing', ['Broadcasts', 'Segments']],
      'KPIs',
      ['Settings', ['Store', 'Order updates', 'Assistant', 'Knowledge', 'Team', 'Audit']],
    ],
  },
  agent: {
    email: env.DEMO_AGENT_EMAIL,
    password: env.DEMO_AGENT_PASSWORD,
    bar: ['Inbox', 'Customers', ['Settings', ['Assistant', 'Knowledge', 'Team']]],
  },
}

let browser

before(async () => {
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
})

/** The bar's items as the accessibility tree has them (closed menus' links are not in it). */
async function barItems(page) {
  return bar(page)
    .locator(':scope > a, :scope > div > button')
    .evaluateAll((items) => items.map((item) => `${item.tagName === 'BUTTON' ? 'button' : 'link'}:${item.textContent}`))
}

async function signInAs(page, role) {
  await signIn(page, env, ROLES[role].email, ROLES[role].password)
  await bar(page).getByRole('link', { name: 'Inbox', exact: true }).waitFor({ timeout: 10_000 })
}

async function expectOpen(page, name) {
  await page.getByRole('heading', { name: PAGES[name].heading, exact: true }).first().waitFor({ timeout: 10_000 })
  assert.equal(new URL(page.url()).hash || '#/', PAGES[name].hash, `${name} is at its hash route`)
  assert.equal(await page.locator('[data-testid$="-forbidden"]').count(), 0, `${name} is not refused`)
  const current = bar(page).locator('a[aria-current="page"]')
  assert.deepEqual(await current.allTextContents(), [name], 'the page is the one marked current')
}

const focusedText = (page) => page.evaluate(() => document.activeElement?.textContent ?? '')

/** Opens a menu from the keyboard: focus its button, Enter, then Tab into the list. */
async function openMenuWithKeyboard(page, label) {
  const button = bar(page).getByRole('button', { name: label, exact: true })
  await button.focus()
  assert.equal(await button.getAttribute('aria-expanded'), 'false')
  await page.keyboard.press('Enter')
  assert.equal(await button.getAttribute('aria-expanded'), 'true', `Enter opens ${label}`)
  return button
}

for (const role of Object.keys(ROLES)) {
  test(`as ${role}, the bar offers exactly the pages the role may open, and each opens from it`, async (t) => {
    const session = await newPage(browser)
    t.after(() => session.context.close())
    const { page, problems } = session
    await signInAs(page, role)

    const expectedItems = ROLES[role].bar.map((item) => (Array.isArray(item) ? `button:${item[0]}` : `link:${item}`))
    assert.deepEqual(await barItems(page), expectedItems)

    for (const item of ROLES[role].bar) {
      if (!Array.isArray(item)) {
        await bar(page).getByRole('link', { name: item, exact: true }).click()
        await expectOpen(page, item)
        continue
      }
      const [label, links] = item
      // The list, seen from the keyboard: Tab walks its links in order, Escape closes it and focus returns.
      const button = await openMenuWithKeyboard(page, label)
      const list = bar(page).getByRole('list')
      assert.deepEqual(await list.getByRole('link').allTextContents(), links, `${label} holds exactly these`)
      for (const name of links) {
        await page.keyboard.press('Tab')
        assert.equal(await focusedText(page), name)
      }
      await page.keyboard.press('Escape')
      assert.equal(await button.getAttribute('aria-expanded'), 'false', 'Escape closes it')
      assert.equal(await list.count(), 0, 'a closed list is out of the accessibility tree')
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-expanded')), 'false', 'focus is back on the button')

      // Each page of the menu: ↓ moves into the list, ↓ again to the next link, Enter follows it.
      for (const [index, name] of links.entries()) {
        await openMenuWithKeyboard(page, label)
        for (let i = 0; i <= index; i++) await page.keyboard.press('ArrowDown')
        assert.equal(await focusedText(page), name)
        await page.keyboard.press('Enter')
        await expectOpen(page, name)
        assert.equal(await button.getAttribute('aria-expanded'), 'false', 'following a link closes the menu')
        assert.match(await button.getAttribute('class'), /holds-current/, `${label} shows it holds the current page`)
        await button.click()
        assert.equal(
          await list.getByRole('link', { name, exact: true }).getAttribute('aria-current'),
          'page',
          'inside the open menu, the current page is marked',
        )
        await page.locator('.topbar__brand').click()
        assert.equal(await button.getAttribute('aria-expanded'), 'false', 'a click elsewhere closes it')
      }
    }

    // With every menu open, the whole set of links is exactly what the role may use.
    const offered = []
    for (const item of ROLES[role].bar) {
      if (!Array.isArray(item)) {
        offered.push(item)
        continue
      }
      await bar(page).getByRole('button', { name: item[0], exact: true }).click()
      offered.push(...(await bar(page).getByRole('list').getByRole('link').allTextContents()))
      await page.keyboard.press('Escape')
    }
    const allowed = ROLES[role].bar.flatMap((item) => (Array.isArray(item) ? item[1] : [item]))
    assert.deepEqual(offered.sort(), allowed.sort())
    const refused = Object.keys(PAGES).filter((name) => !allowed.includes(name))
    if (role === 'agent') assert.deepEqual(refused.sort(), ['Audit', 'Broadcasts', 'KPIs', 'Order updates', 'Segments', 'Store'])
    assert.deepEqual(problems, [])
  })
}

/** Every visible element of the top bar (open menus included) that reaches past the viewport's sides. */
async function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const out = []
    for (const element of document.querySelectorAll('.topbar, .topbar *')) {
      const box = element.getBoundingClientRect()
      if (box.width === 0 && box.height === 0) continue
      if (box.left < -0.5 || box.right > width + 0.5) {
        out.push(`${element.tagName.toLowerCase()}.${element.getAttribute('class') ?? ''} "${(element.textContent ?? '').trim().slice(0, 30)}" ${Math.round(box.left)}…${Math.round(box.right)} of ${width}`)
      }
    }
    if (document.documentElement.scrollWidth > width) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`)
    return out
  })
}

for (const role of Object.keys(ROLES)) {
  test(`as ${role} on a 390×844 phone, the bar fits the screen, menus open included, and its links work`, async (t) => {
    const session = await newPage(browser, { width: 390, height: 844 })
    t.after(() => session.context.close())
    const { page } = session
    await signInAs(page, role)
    await page.getByTestId('conversation-card').first().waitFor({ timeout: 10_000 })
    assert.deepEqual(await overflowing(page), [], 'closed')
    await screenshot(page, `navigation-phone-${role}`)

    const menus = ROLES[role].bar.filter(Array.isArray)
    for (const [label, links] of menus) {
      const button = bar(page).getByRole('button', { name: label, exact: true })
      await button.click()
      assert.equal(await button.getAttribute('aria-expanded'), 'true')
      assert.deepEqual(await overflowing(page), [], `${label} open`)
      for (const link of await bar(page).getByRole('list').getByRole('link').all()) {
        const box = await link.boundingBox()
        assert.ok(box && box.height >= 40, `${await link.textContent()} is a finger's height (${box?.height})`)
      }
      if (label === 'Settings') await screenshot(page, `navigation-phone-${role}-settings`)
      // Tapping a link of the menu opens the page and closes the menu.
      await bar(page).getByRole('link', { name: links.at(-1), exact: true }).click()
      await expectOpen(page, links.at(-1))
      assert.deepEqual(await overflowing(page), [], `on ${links.at(-1)}`)
    }
  })
}

test('on a desktop and a small laptop the bar fits on one line; screenshots of the open Settings menu', async (t) => {
  const session = await newPage(browser)
  t.after(() => session.context.close())
  const { page } = session
  await signInAs(page, 'owner')
  await bar(page).getByRole('link', { name: 'Customers', exact: true }).click()
  await expectOpen(page, 'Customers')
  const height = () => page.locator('.topbar').evaluate((el) => el.getBoundingClientRect().height)
  for (const width of [1440, 1024, 800]) {
    await page.setViewportSize({ width, height: 900 })
    await bar(page).getByRole('button', { name: 'Settings', exact: true }).click()
    assert.deepEqual(await overflowing(page), [], `at ${width} px`)
    assert.ok((await height()) <= 57, `one line at ${width} px (${await height()} px high)`)
    if (width === 1440) await screenshot(page, 'navigation-desktop-settings')
    if (width === 800) await screenshot(page, 'navigation-800-settings')
    await page.keyboard.press('Escape')
  }
})
