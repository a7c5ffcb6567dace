// Completes check-ins in real headless Chromium at 390x844, as a patient taps
// them, and prints what it measured as JSON on its last line. Driven by the
// `browser_*` tests in tests/api/checkin.rs (run by .ci/run).
//   node checkin.mjs --base http://127.0.0.1:PORT --email E --password P --scenario ordinary|signs
// playwright-core is loaded from $BROWSER_MODULES (default ~/.cache/page-check/node_modules).
import { createRequire } from 'node:module';
import { homedir } from 'node:os';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []),
);
const modules = process.env.BROWSER_MODULES || `${homedir()}/.cache/page-check/node_modules`;
const { chromium } = createRequire(`${modules}/`)('playwright-core');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const out = { taps: 0 };
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${args.base}/login`);
  await page.fill('input[name=email]', args.email);
  await page.fill('input[name=password]', args.password);
  await Promise.all([page.waitForNavigation(), page.locator('form:has(input[name=password]) [type=submit]').first().click()]);
  await page.goto(`${args.base}/checkin${args.query || ''}`);
  const shot = async (name) => {
    if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${args.scenario}-${name}.png`, fullPage: true });
  };
  await shot('form');
  const box = await page.locator('#checkin-form').boundingBox();
  out.form_height = Math.round(box.height);
  out.page_height = await page.evaluate(() => document.documentElement.scrollHeight);
  // A tap is a click on what a person sees: the option's label or a button.
  const tap = async (selector) => {
    await page.locator(selector).first().click();
    out.taps += 1;
  };
  const choose = (name, value) => tap(`label[for="${name}-${value}"]`);
  await choose('overall', 'same');
  await choose('pain', '2');
  await choose('itch', '1');
  await choose('swelling', '1');
  await choose('redness', '2');
  if (args.scenario === 'signs') {
    await Promise.all([page.waitForNavigation(), tap('button[name=signs][value=some]')]);
    await shot('second-step');
    out.second_step_height = Math.round((await page.locator('#checkin-form').boundingBox()).height);
    await choose('pain_relief', 'yes');
    await choose('oozing', 'none');
    await choose('crusts', 'thin');
    await choose('prophylaxis', 'taken');
    await tap('label[for=fever]');
    await tap('label[for=vision_change]');
    await Promise.all([page.waitForNavigation(), tap('#checkin-form button[type=submit]')]);
  } else {
    await Promise.all([page.waitForNavigation(), tap('button[name=signs][value=none]')]);
  }
  await shot('result');
  out.url = page.url();
  out.severity = await page.locator('main').getAttribute('data-severity');
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
