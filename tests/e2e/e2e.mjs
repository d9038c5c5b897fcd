// End-to-end tests of the baomi pages (草稿自查, 审查队列, 审查记录与报表) in a
// real headless Chromium: Debian's /usr/bin/chromium driven by playwright-core
// (which never downloads a browser of its own).
//
// Run by tests/browser.rs (`cargo test --test browser`), which starts
// `baomi serve` on a fresh SQLite database, creates the tokens and passes:
//   BAOMI_E2E_URL             http://127.0.0.1:PORT
//   BAOMI_E2E_EDITOR_TOKEN    --role editor --name 编辑甲
//   BAOMI_E2E_OFFICER_TOKEN   --role officer --level 1 --name 审查员甲
//   BAOMI_E2E_OFFICER_NAME    审查员甲 (the name of that token)
//   BAOMI_E2E_CMS_TOKEN       --role cms --name 门户CMS
//   BAOMI_E2E_PORTAL          http://127.0.0.1:PORT of a one-page portal (网站巡检)
//   BAOMI_E2E_ARTIFACTS       where screenshots go (created if missing)
//   BAOMI_E2E_CHROMIUM        optional, default /usr/bin/chromium
//
// Plain script: every step runs (a failed step does not stop the others),
// failures save a screenshot of the pages involved, and the last line is
// `N passed, N failed`; the exit code is 1 when anything failed.

import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`missing environment variable ${name} (tests/browser.rs sets it)`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  return v;
}

const BASE = need("BAOMI_E2E_URL").replace(/\/$/, "");
const EDITOR = need("BAOMI_E2E_EDITOR_TOKEN");
const OFFICER = need("BAOMI_E2E_OFFICER_TOKEN");
const CMS = need("BAOMI_E2E_CMS_TOKEN");
const PORTAL = need("BAOMI_E2E_PORTAL").replace(/\/$/, "");
const OFFICER_NAME = process.env.BAOMI_E2E_OFFICER_NAME || "审查员甲";
const ARTIFACTS = need("BAOMI_E2E_ARTIFACTS");
const CHROMIUM = process.env.BAOMI_E2E_CHROMIUM || "/usr/bin/chromium";
fs.mkdirSync(ARTIFACTS, { recursive: true });

// The message of review::Refusal::OwnItem (src/review.rs), as the API sends it.
const OWN_ITEM_MESSAGE = "the submitter of an item cannot resolve it";
// A damaged marking (traditional 機, spaces, Chinese numeral period) after an
// astral character: UTF-16 offsets and char offsets differ by one there.
const DAMAGED_MARKING = "機 密 ★ 一 年";
const SAMPLE_DRAFT = `😀通知\n${DAMAGED_MARKING}\n关于某项工作的通知\n内部资料 注意保存`;
const TITLE = "关于某项工作的通知";

// ---- the runner -------------------------------------------------------------

const results = [];
const pageErrors = []; // uncaught exceptions in any page
const foreignRequests = []; // requests that left the server (the pages promise none)
const notes = []; // figures to report at the end

async function step(name, fn) {
  const pages = [];
  const t0 = performance.now();
  try {
    await fn(pages);
    const ms = Math.round(performance.now() - t0);
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${ms} ms)`);
  } catch (err) {
    const ms = Math.round(performance.now() - t0);
    results.push({ name, ok: false });
    let text = String((err && err.stack) || err);
    if (text.length > 3000) text = `${text.slice(0, 1500)}\n[… ${text.length - 3000} characters left out …]\n${text.slice(-1500)}`;
    console.log(`FAIL ${name} (${ms} ms)\n     ${text.split("\n").join("\n     ")}`);
    for (const [i, p] of pages.entries()) {
      const file = path.join(ARTIFACTS, `failure-${slug(name)}-${i}.png`);
      try {
        await p.screenshot({ path: file, fullPage: true, timeout: 5000 });
        console.log(`     screenshot of ${p.url()}: ${file}`);
      } catch (_) { /* the page may be gone */ }
    }
  }
}

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);
}

function shot(name) {
  return path.join(ARTIFACTS, name);
}

// ---- helpers ----------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // Playwright gives every launch a fresh temporary --user-data-dir itself.
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  timeout: 30_000,
});

async function newContext(options = {}) {
  const context = await browser.newContext({
    baseURL: BASE,
    viewport: { width: 1280, height: 800 },
    locale: "zh-CN",
    ...options,
  });
  context.setDefaultTimeout(10_000);
  context.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(BASE + "/") && !url.startsWith("data:") && !url.startsWith("blob:")) foreignRequests.push(url);
  });
  context.on("page", (page) => page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`)));
  return context;
}

/// Signs in at /login by typing the token and submitting the form; returns the
/// context and the page where the sign-in landed.
async function signIn(token, options = {}, pages = []) {
  const context = await newContext(options);
  const page = await context.newPage();
  pages.push(page);
  await page.goto("/login");
  await page.locator("#token").fill(token);
  await Promise.all([
    page.waitForURL((u) => new URL(u).pathname !== "/login"),
    page.locator('#login-form button[type="submit"]').click(),
  ]);
  return { context, page };
}

/// The JSON API as the CMS or an officer would call it (bearer token, no cookie).
async function api(method, url, token, body) {
  const resp = await fetch(BASE + url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  let json = null;
  try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
  return { status: resp.status, json, text };
}

/// Clicks #check-button and waits for #decision; returns the verdict the API sent
/// and the milliseconds from the click to #decision being visible.
async function runCheck(page, draft, { paste = false } = {}) {
  if (paste) {
    // Like a paste: the whole text arrives at once (Playwright's fill() of
    // 100 KB takes seconds of its own, which is not what is measured here).
    await page.locator("#draft").evaluate((ta, text) => {
      ta.value = text;
      ta.dispatchEvent(new Event("input", { bubbles: true }));
    }, draft);
  } else {
    await page.locator("#draft").fill(draft);
  }
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/check" && r.request().method() === "POST");
  const t0 = performance.now();
  await page.locator("#check-button").click();
  const resp = await response;
  const tResponse = performance.now();
  await page.locator("#decision").waitFor({ state: "visible" });
  const tVisible = performance.now();
  assert.equal(resp.status(), 200, `POST /api/v1/check answered ${resp.status()}`);
  return { verdict: await resp.json(), ms: tVisible - t0, responseMs: tResponse - t0 };
}

/// Fields (input/textarea/select, hidden inputs aside) without a label or aria-label.
async function unlabelledFields(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("input, textarea, select")]
      .filter((e) => e.type !== "hidden")
      .filter((e) => !(e.labels && [...e.labels].some((l) => l.textContent.trim()))
        && !(e.getAttribute("aria-label") || "").trim()
        && !(e.getAttribute("aria-labelledby") || "").trim())
      .map((e) => e.outerHTML.slice(0, 120)));
}

async function overflow(page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
}

/// A valid 18-digit resident ID (GB 11643 check character) for a sequence number.
function residentId(n) {
  const body = `110105${19490101 + (n % 28)}${String(100 + (n % 900)).padStart(3, "0")}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, d, i) => a + Number(d) * w[i], 0);
  return body + "10X98765432"[sum % 11];
}

// ---- the steps --------------------------------------------------------------

let officer; // the officer's signed-in context, from step 3 on
let ownReviewId; // the item the officer submitted (step 4)

await step("1 editor signs in at /login, lands on /check; session cookie HttpOnly, SameSite=Strict", async (pages) => {
  // A wrong token first: the sign-in page says so.
  const context = await newContext();
  const bad = await context.newPage();
  pages.push(bad);
  await bad.goto("/login");
  await bad.locator("#token").fill("bm_not_a_token");
  await bad.locator('#login-form button[type="submit"]').click();
  await bad.locator('[role="alert"]').filter({ hasText: "令牌无效或已被吊销" }).waitFor();
  assert.equal(new URL(bad.url()).pathname, "/login");
  assert.equal((await context.cookies()).filter((c) => c.name === "baomi_session").length, 0, "a failed sign-in set a session cookie");
  await context.close();

  const { context: ed, page } = await signIn(EDITOR, {}, pages);
  assert.equal(new URL(page.url()).pathname, "/check", `the editor landed on ${page.url()}`);
  await page.locator("#draft").waitFor();
  const cookie = (await ed.cookies()).find((c) => c.name === "baomi_session");
  assert.ok(cookie, "no baomi_session cookie after sign-in");
  assert.equal(cookie.httpOnly, true, "baomi_session is not HttpOnly");
  assert.equal(cookie.sameSite, "Strict", `baomi_session is SameSite=${cookie.sameSite}`);
  assert.equal(cookie.path, "/");
  assert.ok(!cookie.value.includes(EDITOR), "the cookie carries the bearer token itself");
  const hours = (cookie.expires - Date.now() / 1000) / 3600;
  assert.ok(hours > 11.9 && hours <= 12.01, `the session lasts ${hours.toFixed(2)} h, not 12`);
  assert.ok(!(await page.evaluate(() => document.cookie)).includes("baomi_session"), "page script can read the session cookie");
  // Only the editor's page in the navigation.
  assert.deepEqual(await page.locator('nav[aria-label="主导航"] a').allTextContents(), ["草稿自查"]);
  // 退出 ends the session: back at /login, the cookie gone, /check asks to sign in again.
  await Promise.all([
    page.waitForURL((u) => new URL(u).pathname === "/login"),
    page.locator('form[action="/logout"] button').click(),
  ]);
  assert.equal((await ed.cookies()).filter((c) => c.name === "baomi_session").length, 0, "the cookie survived 退出");
  await page.goto("/check");
  assert.equal(new URL(page.url()).pathname, "/login", "/check after 退出 did not go to /login");
  await ed.close();
});

await step("2 check a draft: 拦截, the highlight sits on the damaged marking after an emoji, finding detail", async (pages) => {
  const { context, page } = await signIn(EDITOR, {}, pages);
  const { verdict } = await runCheck(page, SAMPLE_DRAFT);
  assert.equal(verdict.decision, "block");
  const decision = await page.locator("#decision").textContent();
  assert.match(decision, /拦截/, `#decision says ${decision}`);

  // The marking's highlight covers exactly the original (damaged) characters.
  const blockMarks = await page.locator("#content-view mark.block").allTextContents();
  assert.ok(blockMarks.includes(DAMAGED_MARKING), `mark.block texts: ${JSON.stringify(blockMarks)}`);
  // Every highlight covers its finding's original text, and nothing of the draft is lost.
  const view = await page.evaluate(() => ({
    text: document.querySelector("#content-view").textContent,
    marks: [...document.querySelectorAll("#content-view mark")].map((m) => ({ id: m.id, text: m.textContent })),
  }));
  assert.equal(view.text, SAMPLE_DRAFT, "the highlighted content is not the draft as typed");
  assert.equal(view.marks.length, verdict.findings.length);
  for (const m of view.marks) {
    const f = verdict.findings[Number(m.id.replace("hit-", ""))];
    assert.equal(m.text, f.text, `${m.id} (${f.rule}) highlights ${JSON.stringify(m.text)}, the finding is ${JSON.stringify(f.text)}`);
  }

  // The findings list, and the detail of the first entry.
  assert.equal(await page.locator("#findings-list li").count(), verdict.findings.length);
  const first = verdict.findings[0];
  await page.locator("#findings-list li").first().locator("button").click();
  const detail = page.locator("#finding-detail");
  await detail.locator(".detail").waitFor();
  const text = await detail.textContent();
  assert.ok(text.includes(first.rule), `#finding-detail lacks the rule ${first.rule}: ${text}`);
  assert.ok(text.includes("依据"), `#finding-detail lacks 依据: ${text}`);
  assert.ok(first.explanation.legal_basis && text.includes(first.explanation.legal_basis), `#finding-detail lacks the legal basis: ${text}`);
  assert.equal(await page.locator(`#hit-0`).getAttribute("class"), `${first.severity} active`);
  await page.screenshot({ path: shot("check-block.png"), fullPage: true });
  await context.close();
});

await step("2b check an attached PDF: its findings are listed with the page they are on", async (pages) => {
  const { context, page } = await signIn(EDITOR, {}, pages);
  const pdf = new URL("../../fixtures/attachments/notice.pdf", import.meta.url).pathname;
  await page.locator("#draft-file").setInputFiles(pdf);
  await page.locator("#attachment-list").filter({ hasText: "notice.pdf" }).waitFor();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/check")),
    page.locator("#check-button").click(),
  ]);
  const verdict = await response.json();
  assert.equal(response.status(), 200, JSON.stringify(verdict));
  assert.equal(verdict.decision, "block", "page 1 of notice.pdf starts with 机密★1年");
  const card = page.locator('#attachment-results [data-attachment="notice.pdf"]');
  await card.waitFor();
  const text = await card.textContent();
  assert.match(text, /notice\.pdf › 第1页/, `the attachment card lacks the page: ${text}`);
  assert.match(text, /机密★1年/, text);
  assert.match(await page.locator("#decision").textContent(), /拦截/);
  await page.screenshot({ path: shot("check-attachment.png"), fullPage: true });
  await context.close();
});

await step("2c the file picker offers the legacy, ODF, OFD and picture types; an attached .doc is read", async (pages) => {
  const { context, page } = await signIn(EDITOR, {}, pages);
  const accept = await page.locator("#draft-file").getAttribute("accept");
  for (const ext of [".doc", ".wps", ".xls", ".et", ".pptx", ".odt", ".ods", ".odp", ".ofd", ".rtf", ".png", ".jpg", ".tif"]) {
    assert.ok(accept.split(",").includes(ext), `the file picker's accept lacks ${ext}: ${accept}`);
  }
  const doc = new URL("../../fixtures/attachments/notice-leak.doc", import.meta.url).pathname;
  await page.locator("#draft-file").setInputFiles(doc);
  await page.locator("#attachment-list").filter({ hasText: "notice-leak.doc" }).waitFor();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/check")),
    page.locator("#check-button").click(),
  ]);
  const verdict = await response.json();
  assert.equal(response.status(), 200, JSON.stringify(verdict));
  assert.equal(verdict.decision, "block", "notice-leak.doc starts with 机密★1年");
  const card = page.locator('#attachment-results [data-attachment="notice-leak.doc"]');
  await card.waitFor();
  const text = await card.textContent();
  assert.match(text, /notice-leak\.doc › 正文/, `the attachment card lacks the story: ${text}`);
  assert.match(text, /notice-leak\.doc › 批注（张三）/, text);
  await context.close();
});

let reviewId;
await step("3 CMS submits; officer resolves it in the queue; API, /queue and /records agree", async (pages) => {
  const submitted = await api("POST", "/api/v1/reviews", CMS, {
    item_id: "e2e-1", title: TITLE, submitter: "王编辑", department: "办公室",
    content: "内部资料 注意保存\n会议纪要",
  });
  assert.equal(submitted.status, 201, submitted.text);
  assert.equal(submitted.json.decision, "review");
  assert.equal(submitted.json.status, "pending");
  reviewId = submitted.json.review_id;

  officer = await signIn(OFFICER, {}, pages);
  const page = officer.page;
  assert.equal(new URL(page.url()).pathname, "/queue", `the officer landed on ${page.url()}`);
  const row = page.locator("#queue-table tbody tr").filter({ hasText: TITLE });
  await row.waitFor();
  assert.equal(await row.count(), 1);
  assert.equal(await row.getAttribute("data-review"), reviewId);
  const cells = await row.locator("td").allTextContents();
  assert.deepEqual(cells.slice(0, 5), [TITLE, "办公室", "王编辑", "需人工审查", "第 1 级"]);
  await page.screenshot({ path: shot("queue.png"), fullPage: true });

  await Promise.all([page.waitForURL(`**/queue/${reviewId}`), row.locator("a").click()]);
  await page.locator("#decision").waitFor();
  assert.equal(await page.locator("h1").textContent(), TITLE);
  assert.deepEqual(await page.locator("#content-view mark").allTextContents(), ["内部资料", "注意保存"]);
  assert.equal(await page.locator("#findings-list li").count(), submitted.json.findings.length);
  await page.locator("#resolve-form").waitFor();
  const basis = "经审查，“内部资料”标识系误用，正文为可公开的会议信息（条例第十六条不适用）。";
  const comment = "同意公开，请删除“内部资料 注意保存”字样后发布。";
  await page.locator('#resolve-form input[name="action"][value="approve"]').check();
  await page.locator("#resolve-basis").fill(basis);
  await page.locator("#resolve-comment").fill(comment);
  await page.screenshot({ path: shot("item.png"), fullPage: true });
  await page.locator('#resolve-form button[type="submit"]').click();
  const ok = page.locator('#resolve-result [role="status"]');
  await ok.waitFor();
  assert.match(await ok.textContent(), /已提交：已批准/);
  await page.screenshot({ path: shot("item-approved.png"), fullPage: true });

  await page.goto("/queue");
  await page.locator("#queue-empty, #queue-table").first().waitFor();
  assert.equal(await page.locator(`#queue-table tr[data-review="${reviewId}"]`).count(), 0, "the approved item is still in the queue");

  const got = await api("GET", `/api/v1/reviews/${reviewId}`, OFFICER);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.json.status, "approved");
  assert.equal(got.json.publishable, true);
  assert.equal(got.json.resolutions.length, 1);
  const r = got.json.resolutions[0];
  assert.equal(r.action, "approve");
  assert.equal(r.officer, OFFICER_NAME);
  assert.equal(r.level, 1);
  assert.equal(r.basis, basis);
  assert.equal(r.comment, comment);
  const item = await api("GET", "/api/v1/items/e2e-1", CMS);
  assert.equal(item.json.publishable, true, item.text);

  await page.goto("/records");
  const rec = page.locator(`#records-table tr[data-review="${reviewId}"]`);
  await rec.waitFor();
  const recText = await rec.textContent();
  assert.ok(recText.includes(TITLE) && recText.includes("已批准"), recText);
  await page.locator("#report-table").waitFor();
  const report = Object.fromEntries(await page.locator("#report-table tr").evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector("th").textContent, Number(tr.querySelector("td").textContent)])));
  assert.ok(report["审查信息总数"] >= 1 && report["已办结"] >= 1, JSON.stringify(report));
  const chart = await page.locator("svg.chart").boundingBox();
  notes.push(`/records month chart at 1280×800: ${Math.round(chart.width)}×${Math.round(chart.height)} px${chart.height > 600 ? " (taller than the window: the SVG has a viewBox but no width/height, see the report)" : ""}`);
  await page.screenshot({ path: shot("records.png"), fullPage: true });
});

await step("3b /records just after midnight China Standard Time still lists today's reviews", async (pages) => {
  assert.ok(reviewId, "no review (step 3 failed)");
  // The server's days are CST. From 00:00 to 08:00 CST the UTC date is
  // yesterday's, and a page taking its default period from the UTC date left
  // the day's reviews out. The browser's clock is set to ten minutes past the
  // start of today (CST), which is never later than the review.
  const day = 24 * 3600e3, cstOffset = 8 * 3600e3;
  const cstMidnight = Math.floor((Date.now() + cstOffset) / day) * day - cstOffset;
  const context = await newContext();
  await context.clock.install({ time: cstMidnight + 10 * 60e3 });
  const page = await context.newPage();
  pages.push(page);
  await page.goto("/login");
  await page.locator("#token").fill(OFFICER);
  await Promise.all([
    page.waitForURL((u) => new URL(u).pathname !== "/login"),
    page.locator('#login-form button[type="submit"]').click(),
  ]);
  await page.goto("/records");
  await page.locator(`#records-table tr[data-review="${reviewId}"]`).waitFor();
  await context.close();
});

await step("4 the server's refusals are shown: own item, editor at /queue", async (pages) => {
  assert.ok(officer, "the officer is not signed in (step 3 failed)");
  pages.push(officer.page);
  const submitted = await api("POST", "/api/v1/reviews", CMS, {
    item_id: "e2e-own", title: "审查员自己提交的通知", submitter: OFFICER_NAME, department: "办公室",
    content: "内部资料 注意保存\n会议纪要（二）",
  });
  assert.equal(submitted.status, 201, submitted.text);
  ownReviewId = submitted.json.review_id;
  const page = officer.page;
  await page.goto(`/queue/${ownReviewId}`);
  await page.locator("#resolve-form").waitFor();
  await page.locator('#resolve-form input[name="action"][value="approve"]').check();
  await page.locator("#resolve-basis").fill("自查无问题。");
  await page.locator("#resolve-comment").fill("同意公开。");
  await page.locator('#resolve-form button[type="submit"]').click();
  const alert = page.locator('#resolve-result [role="alert"]');
  await alert.waitFor();
  const message = await alert.textContent();
  assert.ok(message.includes(OWN_ITEM_MESSAGE), `the alert says ${JSON.stringify(message)}`);
  await page.screenshot({ path: shot("item-refused.png"), fullPage: true });
  const got = await api("GET", `/api/v1/reviews/${ownReviewId}`, OFFICER);
  assert.equal(got.json.status, "pending");
  assert.equal(got.json.resolutions.length, 0);

  // An editor's session may not read the queue: the page shows the server's 403.
  const { context, page: ed } = await signIn(EDITOR, {}, pages);
  await ed.goto("/queue");
  const edAlert = ed.locator('#queue-result [role="alert"]');
  await edAlert.waitFor();
  assert.match(await edAlert.textContent(), /needs a token with role officer or admin/);
  await context.close();
});

await step("5 CSRF: a cookie-authenticated POST without X-CSRF-Token gets 403", async (pages) => {
  assert.ok(officer, "the officer is not signed in (step 3 failed)");
  const page = officer.page;
  pages.push(page);
  await page.goto("/queue");
  const res = await page.evaluate(async () => {
    const post = async (headers) => {
      const r = await fetch("/api/v1/check", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: '{"content":"x"}' });
      return { status: r.status, body: await r.text() };
    };
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    return { none: await post({}), wrong: await post({ "X-CSRF-Token": "0".repeat(64) }), right: await post({ "X-CSRF-Token": csrf }) };
  });
  assert.equal(res.none.status, 403, JSON.stringify(res.none));
  assert.match(res.none.body, /X-CSRF-Token/);
  assert.equal(res.wrong.status, 403, JSON.stringify(res.wrong));
  // The control: the same request with the page's token is accepted.
  assert.equal(res.right.status, 200, JSON.stringify(res.right));
});

for (const [w, h, mobile] of [[390, 844, true], [1366, 768, false]]) {
  await step(`6 the check page at ${w}×${h} has no horizontal overflow`, async (pages) => {
    const { context, page } = await signIn(EDITOR, { viewport: { width: w, height: h }, isMobile: mobile, hasTouch: mobile }, pages);
    const empty = await overflow(page);
    assert.ok(empty.scrollWidth <= empty.clientWidth, `empty page: scrollWidth ${empty.scrollWidth} > clientWidth ${empty.clientWidth}`);
    await runCheck(page, SAMPLE_DRAFT + "\n身份证号 11010519491231002X，联系电话 13812345678，详见 http://10.1.2.3/oa/login.jsp 内网系统");
    await page.locator("#findings-list li").first().locator("button").click();
    await page.locator("#finding-detail .detail").waitFor();
    const done = await overflow(page);
    assert.ok(done.scrollWidth <= done.clientWidth, `with results: scrollWidth ${done.scrollWidth} > clientWidth ${done.clientWidth}`);
    await page.screenshot({ path: shot(`check-${w}x${h}.png`), fullPage: true });
    notes.push(`check page ${w}×${h}: scrollWidth ${done.scrollWidth}, clientWidth ${done.clientWidth}`);
    // The officer's wider pages at the same size: reported, not asserted (tables scroll in .table-wrap).
    if (officer) {
      const p = await officer.context.newPage();
      await p.setViewportSize({ width: w, height: h });
      for (const url of ["/queue", "/records"]) {
        await p.goto(url);
        await p.locator(url === "/queue" ? "#queue-empty, #queue-table" : "#report-table").first().waitFor();
        const o = await overflow(p);
        notes.push(`${url} ${w}×${h}: scrollWidth ${o.scrollWidth}, clientWidth ${o.clientWidth}${o.scrollWidth > o.clientWidth ? " (overflows)" : ""}`);
        if (w === 390) await p.screenshot({ path: shot(`${url.slice(1)}-${w}x${h}.png`), fullPage: true });
      }
      await p.close();
    }
    await context.close();
  });
}

await step("7 a ~100 KB draft with thousands of findings renders within 5 s, the list capped and counted", async (pages) => {
  const { context, page } = await signIn(EDITOR, {}, pages);
  const lines = ["关于2026年第一季度重点工作推进情况的通报"];
  for (let i = 1; Buffer.byteLength(lines.join("\n")) < 100_000; i++) {
    lines.push(`第${i}条：按照年度工作安排，各单位认真落实有关要求，扎实推进重点任务，取得阶段性成效。`);
    lines.push("内部资料 注意保存");
    lines.push(`联系人身份证号 ${i % 5 ? "11010519491231002X" : residentId(i)}`);
  }
  const draft = lines.join("\n");
  const bytes = Buffer.byteLength(draft);
  const { verdict, ms, responseMs } = await runCheck(page, draft, { paste: true });
  assert.equal(verdict.incomplete ?? null, null, `the engine did not finish: ${verdict.incomplete}`);
  // At most 50 findings of one rule are listed; the rest are counted, and
  // the list says so ("另有 N 处…").
  assert.ok(verdict.findings.length >= 150, `only ${verdict.findings.length} findings`);
  const omitted = (verdict.omitted || []).reduce((n, o) => n + o.count, 0);
  assert.ok(omitted >= 500, `only ${omitted} omitted`);
  const marks = await page.locator("#content-view mark").count();
  const items = await page.locator("#findings-list li").count();
  assert.equal(items, verdict.findings.length + verdict.omitted.length);
  assert.ok((await page.locator("#findings-list li[data-omitted]").first().textContent()).includes("另有"));
  assert.ok(marks >= 150, `only ${marks} highlights`);
  // Selecting the last listed finding scrolls to its highlight and shows it.
  const t0 = performance.now();
  await page.locator("#findings-list li button").last().click();
  await page.locator("#finding-detail .detail").waitFor();
  const selectMs = performance.now() - t0;
  notes.push(`100 KB draft: ${bytes} bytes, ${verdict.findings.length} findings, ${marks} highlights; click → #decision visible ${Math.round(ms)} ms (API answer after ${Math.round(responseMs)} ms); selecting the last finding ${Math.round(selectMs)} ms`);
  await page.screenshot({ path: shot("check-100kb.png") });
  assert.ok(ms < 5000, `click → #decision took ${Math.round(ms)} ms`);
  await context.close();
});

await step("8 accessibility: labelled fields on check, queue, records, item; highlights focusable, Enter shows the detail", async (pages) => {
  assert.ok(officer, "the officer is not signed in (step 3 failed)");
  const page = officer.page;
  pages.push(page);
  const waits = {
    "/check": "#draft",
    "/queue": "#queue-empty, #queue-table",
    "/records": "#records-table",
    [`/queue/${ownReviewId}`]: "#resolve-form",
  };
  for (const [url, sel] of Object.entries(waits)) {
    await page.goto(url);
    await page.locator(sel).first().waitFor();
    assert.deepEqual(await unlabelledFields(page), [], `fields without a label on ${url}`);
  }

  // Keyboard only: Tab from the check button reaches the first highlight, Enter shows its detail.
  await page.goto("/check");
  const { verdict } = await runCheck(page, SAMPLE_DRAFT);
  assert.deepEqual(await unlabelledFields(page), [], "fields without a label on /check with results");
  const untabbable = await page.locator("#content-view mark:not([tabindex='0'])").count();
  assert.equal(untabbable, 0, `${untabbable} highlights are not focusable`);
  await page.locator("#check-button").focus();
  let tag = "";
  for (let i = 0; i < 10 && tag !== "MARK"; i++) {
    await page.keyboard.press("Tab");
    tag = await page.evaluate(() => document.activeElement.tagName);
  }
  assert.equal(tag, "MARK", "Tab from the check button never reached a highlight");
  const id = await page.evaluate(() => document.activeElement.id);
  const f = verdict.findings[Number(id.replace("hit-", ""))];
  assert.equal(await page.locator("#finding-detail").textContent(), "", "the detail shows before Enter");
  await page.keyboard.press("Enter");
  const detail = page.locator("#finding-detail .detail");
  await detail.waitFor();
  assert.ok((await detail.textContent()).includes(f.rule), `Enter on ${id} did not show ${f.rule}`);
  assert.equal(await page.evaluate(() => document.activeElement.id), id, "focus left the highlight");
  // The next highlight is one Tab away, and Space works too.
  await page.keyboard.press("Tab");
  const next = await page.evaluate(() => document.activeElement.id);
  assert.match(next, /^hit-\d+$/);
  await page.keyboard.press(" ");
  const g = verdict.findings[Number(next.replace("hit-", ""))];
  await page.locator("#finding-detail .detail").filter({ hasText: g.rule }).waitFor();
  await page.screenshot({ path: shot("check-keyboard.png"), fullPage: true });
});

await step("9 网站巡检: start a run on the page, the leak highlighted by URL, 误报 with a reason; times in China Standard Time", async (pages) => {
  const { page } = await signIn(OFFICER, {}, pages);
  await page.goto("/inspections");
  assert.deepEqual(await unlabelledFields(page), [], "fields without a label on /inspections");
  await page.locator("#i-start").fill(`${PORTAL}/`);
  await page.locator("#i-name").fill("门户网站");
  await page.locator("#i-rate").fill("50");
  await page.locator('#inspect-form button[type="submit"]').click();
  const started = page.locator("#inspect-start-result a");
  await started.waitFor();
  await Promise.all([page.waitForURL("**/inspections/ir_*"), started.click()]);
  // The page refreshes itself while the run goes on; act once it finished.
  await page.locator("#inspection-result h1 + p").filter({ hasText: "已完成" }).waitFor({ timeout: 30_000 });
  const section = page.locator(`section[data-url="${PORTAL}/"]`);
  await section.waitFor();
  assert.deepEqual(await section.locator(".content mark").allTextContents(), ["机密★1年"]);
  const shown = await page.locator("main").textContent();
  assert.doesNotMatch(shown, /\d{4}-\d\d-\d\dT\d\d:\d\d/, "a raw UTC stamp on the run's page");
  assert.match(shown, /开始 \d{4}-\d\d-\d\d \d\d:\d\d/);
  await page.screenshot({ path: shot("inspection.png"), fullPage: true });
  await section.locator('input[value="false_positive"]').check();
  await section.locator("textarea").fill("经核实为公开的保密法宣传材料");
  await section.locator('button[type="submit"]').click();
  const action = page.locator(`section[data-url="${PORTAL}/"] li[data-action="false_positive"]`);
  await action.waitFor();
  assert.ok((await action.textContent()).includes(OFFICER_NAME), await action.textContent());
  await page.goto("/inspections");
  const row = page.locator("#inspections-table tbody tr").first();
  await row.waitFor();
  const cells = await row.locator("td").allTextContents();
  assert.equal(cells[0], "门户网站");
  assert.match(cells[1], /^\d{4}-\d\d-\d\d \d\d:\d\d$/, `start time ${cells[1]}`);
  await page.goto("/records");
  await page.locator("#inspection-report-table").waitFor();
  const figures = Object.fromEntries(await page.locator("#inspection-report-table tr").evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector("th").textContent, Number(tr.querySelector("td").textContent)])));
  assert.equal(figures["巡检次数"], 1, JSON.stringify(figures));
  assert.equal(figures["误报"], 1, JSON.stringify(figures));
  assert.ok(await page.locator("#export-docx").getAttribute("href"));
  const stamps = await page.locator("#records-table").textContent();
  assert.doesNotMatch(stamps, /\d{4}-\d\d-\d\dT\d\d:/, "a raw UTC stamp in the records");
  await page.screenshot({ path: shot("records-inspection.png"), fullPage: true });
});

await step("pages ran without script errors and requested nothing outside the server", async () => {
  assert.deepEqual(pageErrors, [], "uncaught exceptions in pages");
  assert.deepEqual(foreignRequests, [], "requests that left the server");
});

await browser.close();
for (const n of notes) console.log(`note ${n}`);
console.log(`screenshots in ${ARTIFACTS}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
