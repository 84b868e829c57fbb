// walk.js - two people use the forum in a real browser, from signing up
// to finding a post by search, the way the course's story goes:
//
//   sign up with a code -> sign in -> create a group with a cover -> a
//   second user applies -> the owner approves -> post -> comment -> reply
//   -> like -> the first user's open page shows the notification live,
//   without reload -> search finds the post; then the group list, the
//   post and the inbox at a phone's size (390 x 844), none wider than
//   the screen.
//
//   node walk.js FORUM_URL GATEWAY_URL ARTEFACT_DIR COVER_PNG
//
// The forum sends its SMS codes to the test's fake provider at
// GATEWAY_URL, which lists what it received at /received: that is where a
// person would read the code on their phone. Pages are reached by links
// and forms are found by where they post, filled by their fields' names.
// A screenshot of each step goes to ARTEFACT_DIR.
'use strict';
const { launch, step, done, form, fill, submit, follow, text } = require('./harness');

const [forum, gateway, artefacts, cover] = process.argv.slice(2);
const site = forum.replace(/\/$/, '');
const run = Date.now().toString(36); // makes this walk's texts unique
const owner = { mobile: '13800000001', password: 'owner-pass-1' };
const member = { mobile: '13900000002', password: 'member-pass-2' };
const group = `Walkers ${run}`;
const title = `Trail notes ${run}`;
const comment = `A first comment ${run}`;
const reply = `A reply to it ${run}`;

function check(cond, what) {
  if (!cond) throw new Error(what);
}

// codeFor - the last code the provider received for MOBILE.
async function codeFor(mobile) {
  for (let i = 0; i < 50; i++) {
    const got = await (await fetch(`${gateway}received`)).json();
    const mine = got.filter((m) => m.fields && [].concat(m.fields.mobile).includes(mobile));
    if (mine.length) {
      const m = /(\d{4,8})/.exec([].concat(mine[mine.length - 1].fields.text).join(' '));
      if (m) return m[1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the provider received no code for ${mobile}`);
}

async function signedIn(page) {
  return /sign out/i.test(await text(page));
}

async function signUp(page, who, prefix) {
  await step(page, artefacts, `${prefix}-sign-up`, async () => {
    await page.goto(forum);
    await follow(page, /^\/signup$/);
    const codeForm = await form(page, '/signup/code');
    await fill(codeForm, { mobile: who.mobile });
    await submit(page, codeForm);
    const code = await codeFor(who.mobile);
    const signup = await form(page, '/signup');
    await fill(signup, { mobile: who.mobile, code, password: who.password });
    await submit(page, signup);
    check(await signedIn(page), `signed up but not signed in: ${(await text(page)).slice(0, 300)}`);
  });
}

async function signIn(page, who, prefix) {
  await step(page, artefacts, `${prefix}-sign-in`, async () => {
    if (await signedIn(page)) await submit(page, await form(page, '/signout'));
    check(!(await signedIn(page)), 'signed out');
    await follow(page, /^\/signin/);
    const f = await form(page, /^\/signin/);
    await fill(f, { mobile: who.mobile, password: who.password });
    await submit(page, f);
    check(await signedIn(page), 'signed in: no sign-out button');
  });
}

(async () => {
  const { browser, context } = await launch();
  // the second person has a browser of their own (cookies apart) on a
  // phone's width
  const other = await browser.newContext({ viewport: { width: 400, height: 800 }, isMobile: true });
  other.setDefaultTimeout(15000);
  const a = await context.newPage();
  const b = await other.newPage();
  let groupUrl, postUrl;

  await signUp(a, owner, '01');
  await signIn(a, owner, '02');
  await step(a, artefacts, '03-create-group', async () => {
    await a.goto(forum);
    await follow(a, /^\/group\/new$/);
    const f = await form(a, '/group/new');
    await fill(f, { name: group, category: null, desc: 'Walks and trails', notice: 'Be kind', front_image: cover });
    await submit(a, f);
    check((await text(a)).includes(group), 'the new group page names the group');
    const img = a.locator('img[src*="/media/"]').first();
    check(await img.count() > 0, 'the group page shows its cover');
    check(await img.evaluate((el) => el.complete && el.naturalWidth === 16), 'the cover loads (16 px wide)');
    groupUrl = a.url();
  });

  await signUp(b, member, '04');
  await step(b, artefacts, '05-apply', async () => {
    await b.goto(groupUrl);
    const f = await form(b, /\/apply$/);
    await fill(f, { apply_reason: 'I like walking' });
    await submit(b, f);
  });
  await step(a, artefacts, '06-approve', async () => {
    await a.goto(groupUrl);
    await follow(a, /^\/applications$/);
    check((await text(a)).includes('I like walking'), 'the review page shows the application');
    await Promise.all([a.waitForNavigation(), a.locator('button[name="status"][value="agree"]').first().click()]);
    check(!(await text(a)).includes('I like walking'), 'the application is no longer pending');
  });
  await step(b, artefacts, '07-post', async () => {
    await b.goto(groupUrl);
    const f = await form(b, /\/post$/);
    // a long address, one word a phone must wrap
    await fill(f, { title, content: `Trail **notes** for ${run}, map at https://maps.example/${'trail'.repeat(24)}` });
    await submit(b, f);
    check((await text(b)).includes(title), 'the post page shows its title');
    check(await b.locator('strong', { hasText: 'notes' }).count() > 0, 'the Markdown is rendered');
    postUrl = b.url();
  });
  await step(a, artefacts, '08-comment', async () => {
    await a.goto(postUrl);
    const f = await form(a, /\/comment$/);
    await fill(f, { content: comment });
    await submit(a, f);
    check((await text(a)).includes(comment), 'the comment is on the post page');
  });

  // The owner leaves a page open; what the member does next must reach it
  // live, without a reload (a reload would lose the mark set here).
  const open = await context.newPage();
  await open.goto(forum);
  await open.evaluate(() => { window.walkMark = 'not reloaded'; });

  await step(b, artefacts, '09-reply', async () => {
    await b.goto(postUrl);
    const f = await form(b, /^\/comment\/\d+\/reply$/);
    // the reply form is folded under its comment until "Reply" is clicked
    const fold = b.locator('details', { has: f });
    if (await fold.count()) await fold.locator('summary').click();
    await fill(f, { content: reply });
    await submit(b, f);
    check((await text(b)).includes(reply), 'the reply is on the post page');
  });
  await step(b, artefacts, '10-like', async () => {
    await b.goto(postUrl);
    const like = b.locator('form[data-like]').first();
    const count = like.locator('[data-count]');
    const before = Number(await count.innerText());
    await like.locator('button').click();
    await b.waitForFunction(([el, n]) => Number(el.innerText) === n + 1, [await count.elementHandle(), before]);
    check(/unlike/i.test(await like.locator('button').innerText()), 'the button now says Unlike');
  });
  await step(open, artefacts, '11-live-notification', async () => {
    await open.waitForFunction(() => document.querySelector('#toast').innerText.trim() !== '', null, { timeout: 10000 });
    const toast = await open.locator('#toast').innerText();
    check(/replied to you|liked your comment/.test(toast), `the toast tells what happened: "${toast}"`);
    check(await open.evaluate(() => window.walkMark === 'not reloaded'), 'the page was reloaded');
    const badge = (await open.locator('#unread').innerText()).trim();
    check(Number(badge) >= 1, `the unread badge counts the new messages (it shows "${badge}")`);
  });
  await step(a, artefacts, '12-search', async () => {
    await a.goto(`${site}/`);
    const q = a.locator('form[action="/search"] [name="q"]').first();
    await q.fill(run);
    await Promise.all([a.waitForNavigation(), q.press('Enter')]);
    check((await text(a)).includes(title), 'search finds the post');
  });
  // Readable on a phone: at a phone's size the pages fit its width, with
  // nothing to scroll sideways.
  await b.setViewportSize({ width: 390, height: 844 });
  const phone = [['13-phone-groups', `${site}/`], ['14-phone-post', postUrl], ['15-phone-inbox', `${site}/inbox`]];
  for (const [name, url] of phone) {
    await step(b, artefacts, name, async () => {
      await b.goto(url);
      const { scroll, inner } = await b.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
      check(inner === 390, `the viewport is a phone's (${inner} px wide)`);
      check(scroll <= inner, `${url} scrolls sideways on a phone: ${scroll} px of content in ${inner}`);
    });
  }
  await browser.close();
  done();
})().catch((e) => { console.error(`FAILED: ${e.message}`); process.exit(1); });
