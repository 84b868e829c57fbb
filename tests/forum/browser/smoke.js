// smoke.js - the browser harness on a trivial page: Playwright drives the
// system Chromium, follows a link and saves a screenshot per step.
//
//   node smoke.js URL ARTEFACT_DIR
//
// URL is a page of the test's pageserver site (/site/0 links to other
// pages). Prints one line per step; exits 1 with the reason on the first
// failure. It shows the harness itself works before the forum is walked.
'use strict';
const { launch, step, done } = require('./harness');

const [url, artefacts] = process.argv.slice(2);

(async () => {
  const { browser, context } = await launch();
  const page = await context.newPage();
  await step(page, artefacts, '01-open', async () => {
    const res = await page.goto(url);
    if (!res || res.status() !== 200) throw new Error(`GET ${url}: ${res && res.status()}`);
  });
  await step(page, artefacts, '02-follow-link', async () => {
    const first = page.locator('a[href]').first();
    const href = await first.getAttribute('href');
    await Promise.all([page.waitForNavigation(), first.click()]);
    if (!page.url().endsWith(href)) throw new Error(`clicked ${href}, landed on ${page.url()}`);
  });
  await browser.close();
  done();
})().catch((e) => { console.error(`FAILED: ${e.message}`); process.exit(1); });
