// harness.js - what the browser walks share: the system Chromium started
// headless through playwright-core (which downloads no browser), a step
// runner that names each step, times it and saves its screenshot, and
// helpers that fill and submit forms by their fields' names, so a walk
// reads like what a person does on the pages.
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15000;

async function launch() {
  // --no-sandbox: the tests may run as root (CI does), where Chromium's
  // sandbox refuses to start.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return { browser, context };
}

let steps = 0;

// step - run fn, then save PAGE's screenshot as ARTEFACTS/NAME.png (also
// when fn failed: the picture of a failure is the useful one).
async function step(page, artefacts, name, fn) {
  const t0 = Date.now();
  let failure = null;
  try {
    await fn();
  } catch (e) {
    failure = e;
  }
  const shot = path.join(artefacts, `${name}.png`);
  await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
  if (failure) {
    throw new Error(`step ${name} (${page.url()}): ${failure.message.split('\n')[0]} (screenshot ${shot})`);
  }
  steps++;
  console.log(`ok ${name} ${Date.now() - t0} ms ${shot}`);
}

function done() {
  console.log(`walk done: ${steps} steps`);
}

// form - the form whose action is ACTION (a path, or a RegExp on it).
async function form(page, action) {
  if (typeof action === 'string') return page.locator(`form[action="${action}"]`).first();
  const actions = await page.locator('form[action]').evaluateAll((fs) => fs.map((f) => f.getAttribute('action')));
  const found = actions.find((a) => action.test(a));
  if (found === undefined) throw new Error(`no form posting to ${action} on ${page.url()}`);
  return page.locator(`form[action="${found}"]`).first();
}

// fill - set the fields of FIELDS ({name: value}) in form F; a select
// takes the option whose label or value matches, or its first real
// option when the value is null; a file input takes a path.
async function fill(f, fields) {
  for (const [name, value] of Object.entries(fields)) {
    const field = f.locator(`[name="${name}"]`).first();
    const tag = await field.evaluate((el) => el.tagName.toLowerCase());
    if (tag === 'select') {
      if (value === null) {
        const first = await field.locator('option:not([value=""])').first().getAttribute('value');
        await field.selectOption(first);
      } else {
        await field.selectOption(value);
      }
    } else if ((await field.getAttribute('type')) === 'file') {
      await field.setInputFiles(value);
    } else {
      await field.fill(String(value));
    }
  }
}

// submit - press form F's submit button (the one whose label matches
// LABEL when given) and wait for the page it leads to.
async function submit(page, f, label) {
  let button = f.locator('button:not([type=button]), input[type=submit]');
  if (label) button = button.filter({ hasText: label });
  await Promise.all([page.waitForNavigation(), button.first().click()]);
}

// follow - click the first link whose href matches RE and wait for its page.
async function follow(page, re) {
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const href = hrefs.find((h) => re.test(h));
  if (!href) throw new Error(`no link matching ${re} on ${page.url()}`);
  await Promise.all([page.waitForNavigation(), page.locator(`a[href="${href}"]`).first().click()]);
}

// text - the page's visible text.
async function text(page) {
  return page.locator('body').innerText();
}

module.exports = { launch, step, done, form, fill, submit, follow, text };
