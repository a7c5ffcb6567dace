// Every page a patient sees, in real headless Chromium, at 390x844 (a phone)
// and at 200 % zoom (a 1280x800 window zoomed to 200 %: 640x400 CSS px at
// device scale 2): axe-core's WCAG 2.1 AA rules, no sideways scrolling, and
// focus on the error summary when a form comes back with errors. Prints one
// JSON line: { pages: [{ path, size, status, violations, overflow, clipped }], focus }.
// Driven by `browser_every_patient_page_*` in tests/api/checkin.rs (.ci/run).
//   node patient_pages.mjs --base URL --email E --password P --public a,b --private c,d --result PATH
// playwright-core and axe-core come from $BROWSER_MODULES (default ~/.cache/page-check/node_modules).
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { readFileSync } from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []),
);
const modules = process.env.BROWSER_MODULES || `${homedir()}/.cache/page-check/node_modules`;
const require = createRequire(`${modules}/`);
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const sizes = [
  { name: '390x844', viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 },
  { name: '1280x800@200%', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
];
const list = (s) => (s ? s.split(',').filter(Boolean) : []);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const out = { pages: [], focus: null };

async function check(page, path, size, status) {
  // CDP evaluation: axe runs without weakening the page's CSP.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  // A box of its own that scrolls sideways (a table in a scroll box) cuts
  // its content off at the edge as surely as the page would. Charts may
  // scroll (a picture, with the table beside it); 1-px boxes are hidden text.
  const clipped = await page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('main *')]
    .filter((e) => !e.closest('.chart-scroll') && e.clientWidth > 1
      && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX))
    .map((e) => e.scrollWidth - e.clientWidth)));
  out.pages.push({
    path,
    size,
    status,
    violations: result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`),
    overflow,
    clipped,
  });
}

try {
  for (const size of sizes) {
    const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.deviceScaleFactor });
    const page = await context.newPage();
    for (const path of list(args.public)) {
      const r = await page.goto(`${args.base}${path}`);
      await check(page, path, size.name, r.status());
    }
    await page.goto(`${args.base}/login`);
    await page.fill('input[name=email]', args.email);
    await page.fill('input[name=password]', args.password);
    await Promise.all([page.waitForNavigation(), page.locator('form:has(input[name=password]) [type=submit]').first().click()]);
    for (const path of list(args.private).concat(list(args.result))) {
      const r = await page.goto(`${args.base}${path}`);
      await check(page, path, size.name, r.status());
    }
    // The second step of the check-in (warning signs: "Yes, some of these").
    await page.goto(`${args.base}/checkin`);
    await Promise.all([page.waitForNavigation(), page.locator('button[name=signs][value=some]').first().click()]);
    await check(page, '/checkin (second step)', size.name, null);
    // Sent with nothing answered (today's answers, prefilled, cleared first):
    // the form comes back with errors.
    await page.goto(`${args.base}/checkin`);
    // (The browser's own check of required answers is switched off: this
    // is about the server's answer, which is what a phone without it gets.)
    await page.evaluate(() => {
      document.querySelectorAll('input:checked').forEach((i) => { i.checked = false; });
      document.querySelectorAll('form').forEach((f) => { f.noValidate = true; });
    });
    await Promise.all([page.waitForNavigation(), page.locator('button[name=signs][value=none]').first().click()]);
    await check(page, '/checkin (with errors)', size.name, null);
    if (size.name === '390x844') {
      out.focus = await page.evaluate(() => {
        const a = document.activeElement;
        return a ? `${a.tagName.toLowerCase()}.${a.className}` : null;
      });
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
