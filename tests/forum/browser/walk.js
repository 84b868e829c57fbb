// walk.js - two people use the forum in a real browser, from registering
// to finding a post by search, the way the course's story goes:
//
//   register with a code -> log in -> create a group with a cover -> a
//   second user applies -> the owner approves -> post -> comment -> reply
//   -> like -> the first user's open page shows the notification live,
//   without reload -> search finds the post.
//
//   node walk.js FORUM_URL GATEWAY_URL ARTEFACT_DIR COVER_PNG
//
// The forum sends its SMS codes to the test's fake provider at
// GATEWAY_URL, which lists what it received at /received: that is where a
// person would read the code on their phone. Pages are reached by links
// and filled by their fields' names (the API's names: mobile, code,
// password, name, category, desc, notice, front_image, apply_reason,
// title, content, q), so the walk checks the pages work together, not
// their markup. A screenshot of each step goes to ARTEFACT_DIR.
'use strict';
const { launch, step, done, fill, submit, follow, text } = require('./harness');

const [forum, gateway, artefacts, cover] = process.argv.slice(2);
const run = Date.now().toString(36); // makes this walk's texts unique
const owner = { mobile: '13800000001', password: 'owner-pass-1', nick: 'owner' };
const member = { mobile: '13900000002', password: 'member-pass-2', nick: 'member' };
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
    const mine = got.filter((m) => m.fields && m.fields.mobile === mobile);
    if (mine.length) {
      const m = /(\d{4,8})/.exec(mine[mine.length - 1].fields.text || '');
      if (m) return m[1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the provider received no code for ${mobile}`);
}

async function register(page, who, prefix) {
  await step(page, artefacts, `${prefix}-register`, async () => {
    await page.goto(forum);
    await follow(page, /regist/);
    await fill(page, { mobile: who.mobile });
    // the code button posts the number alone (a form of its own, or the
    // register form's second button)
    const sent = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.locator('form:has([name="mobile"]) button, form:has([name="mobile"]) input[type=submit]')
      .filter({ hasText: /code|验证码|send|发送/i }).first().click();
    await sent;
    await page.waitForLoadState();
    const code = await codeFor(who.mobile);
    await fill(page, { mobile: who.mobile, code, password: who.password });
    await submit(page, 'code', /regist|注册|sign/i);
    check(!/error|错误/i.test(await page.locator('.error, .errors, [role=alert]').allInnerTexts().then((t) => t.join(' '))),
      'the register form shows an error');
  });
  await step(page, artefacts, `${prefix}-login`, async () => {
    if (!/logout|退出/i.test(await text(page))) {
      await page.goto(forum);
      await follow(page, /login/);
      await fill(page, { mobile: who.mobile, password: who.password });
      await submit(page, 'password');
    }
    check(/logout|退出/i.test(await text(page)), 'logged in: no log-out link');
  });
}

(async () => {
  const { browser, context } = await launch();
  // the second person has a browser of their own: cookies apart
  const other = await browser.newContext({ viewport: { width: 400, height: 800 } }); // a phone's width
  other.setDefaultTimeout(15000);
  const a = await context.newPage();
  const b = await other.newPage();
  let groupUrl, postUrl;

  await register(a, owner, '01');
  await step(a, artefacts, '03-create-group', async () => {
    await page0(a);
    await follow(a, /group.*(new|create)|create.*group/);
    await fill(a, { name: group, category: null, desc: 'Walks and trails', notice: 'Be kind', front_image: cover });
    await submit(a, 'name');
    check((await text(a)).includes(group), 'the new group page names the group');
    check(await a.locator('img[src*="media"], img[src*="upload"]').count() > 0, 'the group page shows its cover');
    groupUrl = a.url();
  });

  await register(b, member, '04');
  await step(b, artefacts, '06-apply', async () => {
    await b.goto(groupUrl);
    await fill(b, { apply_reason: 'I like walking' });
    await submit(b, 'apply_reason');
  });
  await step(a, artefacts, '07-approve', async () => {
    await a.goto(groupUrl);
    await follow(a, /appl|review|member/);
    check((await text(a)).includes('I like walking'), 'the review page shows the application');
    await submit(a, 'status', /agree|approve|同意/i).catch(async () => {
      await Promise.all([a.waitForNavigation(), a.locator('button, input[type=submit]').filter({ hasText: /agree|approve|同意/i }).first().click()]);
    });
  });
  await step(b, artefacts, '08-post', async () => {
    await b.goto(groupUrl);
    await follow(b, /post.*(new|create)|new.*post|write/).catch(() => {}); // the form may be on the group page
    await fill(b, { title, content: `Trail **notes** for ${run}` });
    await submit(b, 'title');
    check((await text(b)).includes(title), 'the post page shows its title');
    check(await b.locator('strong').filter({ hasText: 'notes' }).count() > 0, 'the Markdown is rendered');
    postUrl = b.url();
  });
  await step(a, artefacts, '09-comment', async () => {
    await a.goto(postUrl);
    await fill(a, { content: comment });
    await submit(a, 'content');
    check((await text(a)).includes(comment), 'the comment is on the post page');
  });

  // The owner leaves a page open; what happens next must reach it live.
  const open = await context.newPage();
  await open.goto(forum);
  await open.evaluate(() => { window.__notReloaded = true; });

  await step(b, artefacts, '10-reply', async () => {
    await b.goto(postUrl);
    const replyForm = b.locator(`form:has([name="content"]):has([name="replyed_user"]), form[action*="repl"]`).first();
    await replyForm.locator('[name="content"]').fill(reply);
    await Promise.all([b.waitForNavigation(), replyForm.locator('button, input[type=submit]').first().click()]);
    check((await text(b)).includes(reply), 'the reply is on the post page');
  });
  await step(b, artefacts, '11-like', async () => {
    const like = b.locator('form[action*="like"] button, button[data-like], .like button, a.like').first();
    const before = await text(b);
    await like.click();
    await b.waitForLoadState();
    await b.waitForFunction((t) => document.body.innerText !== t, before, { timeout: 5000 });
  });
  await step(open, artefacts, '12-live-notification', async () => {
    await open.waitForFunction((r) => document.body.innerText.includes(r), reply, { timeout: 10000 });
    check(await open.evaluate(() => window.__notReloaded === true), 'the page was reloaded');
  });
  await step(a, artefacts, '13-search', async () => {
    await a.goto(forum);
    await fill(a, { q: run });
    await submit(a, 'q');
    check((await text(a)).includes(title), 'search finds the post');
  });
  await browser.close();
  done();
})().catch((e) => { console.error(`FAILED: ${e.message}`); process.exit(1); });

async function page0(page) {
  await page.goto(forum);
}
