// baomi pages. Plain JS, no external assets. Every request goes to the same
// JSON API the CMS uses; the session cookie authenticates it and the CSRF
// token from <meta name="csrf-token"> goes in X-CSRF-Token on every POST.
// The page enforces nothing the server does not: it shows the server's
// refusals as they come.
"use strict";

const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || "";
const $ = (sel, root = document) => root.querySelector(sel);
const DECISION_TEXT = { pass: "通过：可以发布", review: "需人工审查：请保密审查员审核后再发布", block: "拦截：不得发布" };
const DECISION_SHORT = { pass: "通过", review: "需人工审查", block: "拦截" };
const SEVERITY_TEXT = { block: "拦截", review: "审查", info: "提示" };
const CATEGORY_TEXT = { marking: "国家秘密标志", register: "涉密或未公开文件", internal: "内部事项", draft: "过程性信息", personal: "个人信息", credential: "账号口令与内网信息", sensitive: "敏感工作信息" };
const STATUS_TEXT = { pending: "待审查", approved: "已批准", rejected: "不予公开" };

// Stored times are UTC (RFC 3339); people read China Standard Time
// (UTC+8, no daylight saving): "2026-12-01 15:27".
function cst(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso || "—";
  return new Date(t + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ");
}

async function api(method, url, body) {
  const opts = { method, credentials: "same-origin", headers: { "Accept": "application/json" } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.headers["X-CSRF-Token"] = CSRF;
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(url, opts);
  let data = null;
  try { data = await resp.json(); } catch (_) { /* not JSON */ }
  if (!resp.ok) {
    const msg = data && data.error ? data.error.message : `服务器返回 ${resp.status}`;
    const err = new Error(msg);
    err.status = resp.status;
    throw err;
  }
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function showError(region, err) {
  region.replaceChildren(el("div", { class: "banner error", role: "alert" }, err.message || String(err)));
}

// ---- highlighting -------------------------------------------------------

// Renders `content` into `container` with every finding wrapped in <mark>.
// Offsets are UTF-16 units (what JavaScript strings index), so astral
// characters before a hit cannot shift it. Built in one DocumentFragment so a
// 100 KB draft with hundreds of findings renders in one layout pass.
function renderHighlighted(container, content, findings, onSelect) {
  // Findings in a field (the title) carry a location; their offsets are
  // not in the text shown here, so they are listed, not highlighted.
  const spans = findings
    .map((f, i) => ({ i, start: f.start_utf16 ?? f.start, end: f.end_utf16 ?? f.end, f }))
    .filter((s) => !s.f.location)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const frag = document.createDocumentFragment();
  let pos = 0;
  const marks = new Map();
  for (const s of spans) {
    if (s.start < pos) continue; // overlaps an earlier highlight: the list still shows it
    if (s.start > pos) frag.append(content.slice(pos, s.start));
    const mark = el("mark", {
      class: s.f.severity, tabindex: "0", id: `hit-${s.i}`,
      "aria-label": `${SEVERITY_TEXT[s.f.severity]}：${CATEGORY_TEXT[s.f.category] || s.f.category}，${s.f.text}`,
      onclick: () => onSelect(s.i),
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSelect(s.i); } },
    }, content.slice(s.start, s.end));
    marks.set(s.i, mark);
    frag.append(mark);
    pos = s.end;
  }
  if (pos < content.length) frag.append(content.slice(pos));
  container.replaceChildren(frag);
  return marks;
}

function findingDetail(f) {
  return el("div", { class: "detail", role: "region", "aria-label": "问题详情" },
    el("p", {}, el("span", { class: `sev ${f.severity}` }, SEVERITY_TEXT[f.severity]), " ",
      el("strong", {}, CATEGORY_TEXT[f.category] || f.category), "  规则 ", el("code", {}, f.rule)),
    el("p", {}, "命中：", el("mark", { class: f.severity }, f.text), `（第 ${f.line} 行）`),
    el("p", {}, "原因：", f.explanation.reason),
    el("p", {}, "依据：", f.explanation.legal_basis),
    f.explanation.stages.length ? el("ul", {}, f.explanation.stages.map((s) => el("li", { class: "muted" }, s))) : null);
}

// The content, the findings list beside it, and the detail of the selected one.
function showFindings(root, content, findings, omitted) {
  const view = el("div", { class: "content", id: "content-view", "aria-label": "稿件内容（问题已标出）" });
  const list = el("ul", { class: "findings", id: "findings-list", "aria-label": "问题列表" });
  const detail = el("div", { id: "finding-detail", "aria-live": "polite" });
  let active = null;
  const select = (i) => {
    const mark = marks.get(i);
    if (active) active.classList.remove("active");
    if (mark) { mark.classList.add("active"); mark.scrollIntoView({ block: "center" }); mark.focus({ preventScroll: true }); active = mark; }
    detail.replaceChildren(findingDetail(findings[i]));
  };
  const marks = renderHighlighted(view, content, findings, select);
  findings.forEach((f, i) => {
    list.append(el("li", {}, el("button", { type: "button", onclick: () => select(i), "data-rule": f.rule },
      el("span", { class: `sev ${f.severity}` }, SEVERITY_TEXT[f.severity]), ` ${f.location ? f.location + " " : ""}${CATEGORY_TEXT[f.category] || f.category}：${f.text.length > 30 ? f.text.slice(0, 30) + "…" : f.text}`)));
  });
  // Findings left out of the list by the caps: "and N more".
  for (const o of omitted || []) {
    list.append(el("li", { class: "muted", "data-omitted": o.rule },
      `另有 ${o.count} 处同类问题（规则 ${o.rule}，${CATEGORY_TEXT[o.category] || o.category}）未逐条列出`));
  }
  root.replaceChildren(el("div", { class: "layout" },
    el("section", { "aria-label": "稿件" },
      findings.length ? el("a", { class: "skip", href: "#findings-list" }, `跳过正文中的 ${findings.length} 处标记，到问题列表`) : null, view),
    el("section", { "aria-label": "问题" }, el("h2", {}, `发现 ${findings.length} 处问题`), list, detail)));
}

function advice(verdict) {
  if (verdict.incomplete) return `未能完成自动检查（${verdict.incomplete}），须人工审查。`;
  const all = verdict.findings.concat(...(verdict.attachments || []).map((a) => a.findings));
  const cats = [...new Set(all.filter((f) => f.severity !== "info").map((f) => f.category))];
  if ((verdict.attachments || []).some((a) => a.error)) cats.push("unreadable");
  if (!cats.length) return all.length ? "仅有提示项，可以发布；请确认提示内容无误。" : "未发现问题。";
  const tips = {
    marking: "删除密级标志；标有密级的文件不得上网，须先履行解密程序",
    register: "删除涉密或未公开文件的标题和文号",
    internal: "删除“内部资料”等内部标识，或确认该内容可以公开",
    draft: "定稿后再发布，或改为公开征求意见稿",
    personal: "对身份证号、银行卡号、手机号等个人信息去标识化（如 410***********1234、138****5678）",
    credential: "删除账号、密码、内网地址和密钥",
    sensitive: "确认考试、统计、军事等敏感信息已可以公开",
    unreadable: "有附件未能读取（加密、损坏或不支持的格式），须人工审查",
  };
  return "修改建议：" + cats.map((c) => tips[c] || c).join("；") + "。";
}

// ---- 草稿自查 -------------------------------------------------------------

// Files read as the draft itself; anything else goes along as an attachment.
const TEXT_FILE = /\.(txt|html?|md)$/i;

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function attachmentResults(attachments) {
  if (!attachments || !attachments.length) return null;
  return el("section", { "aria-label": "附件检查结果", id: "attachment-results" }, el("h2", {}, "附件"),
    attachments.map((a) => el("div", { class: "detail", "data-attachment": a.name },
      el("p", {}, el("strong", {}, a.name), "　", el("span", { class: `sev ${a.decision === "pass" ? "info" : a.decision}` }, DECISION_SHORT[a.decision]),
        `　发现 ${a.findings.length} 处问题`),
      a.error ? el("p", { role: "alert" }, "未能完整读取：", a.error) : null,
      el("ul", {}, a.findings.map((f) => el("li", {},
        el("span", { class: `sev ${f.severity}` }, SEVERITY_TEXT[f.severity]), " ", el("strong", {}, f.location || ""), "：",
        el("mark", { class: f.severity }, f.text), `　${CATEGORY_TEXT[f.category] || f.category}，${f.explanation.reason}`,
          el("div", { class: "muted" }, f.excerpt)))))));
}

function initCheck() {
  const form = $("#check-form");
  const result = $("#check-result");
  const file = $("#draft-file");
  let attachments = [];
  file.addEventListener("change", async () => {
    attachments = [];
    const names = [];
    for (const f of file.files) {
      if (TEXT_FILE.test(f.name) && file.files.length === 1) {
        $("#draft").value = await f.text();
        $("#draft-format").value = /\.html?$/i.test(f.name) ? "html" : "text";
      } else {
        attachments.push({ name: f.name, content_type: f.type || null, data: toBase64(await f.arrayBuffer()) });
        names.push(f.name);
      }
    }
    $("#attachment-list").textContent = names.length ? `附件：${names.join("、")}` : "";
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const content = $("#draft").value;
    const format = $("#draft-format").value;
    const title = $("#draft-title").value.trim() || null;
    if (!content.trim() && !title && !attachments.length) { showError(result, new Error("请粘贴稿件内容或选择文件")); return; }
    result.replaceChildren(el("p", { class: "muted" }, "检查中…"));
    try {
      const verdict = await api("POST", "/api/v1/check", { content, format, title, attachments });
      const banner = el("div", { class: `banner ${verdict.decision}`, role: "status", id: "decision" },
        DECISION_TEXT[verdict.decision], el("div", { style: "font-weight:normal" }, advice(verdict)));
      const body = el("div");
      result.replaceChildren(banner, body);
      if (content.trim() || verdict.findings.length) showFindings(body, content, verdict.findings, verdict.omitted);
      const files = attachmentResults(verdict.attachments);
      if (files) result.append(files);
      // One short sentence for screen readers, not the whole draft.
      $("#check-announce").textContent = `${DECISION_TEXT[verdict.decision]}，发现 ${verdict.findings.length} 处问题。`;
    } catch (err) { showError(result, err); }
  });
}

// ---- 审查队列 ---------------------------------------------------------------

function age(seconds) {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} 分钟`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} 小时`;
  return `${Math.round(seconds / 86400)} 天`;
}

async function loadQueue() {
  const params = new URLSearchParams();
  if ($("#q-level").value) params.set("level", $("#q-level").value);
  if ($("#q-dept").value.trim()) params.set("department", $("#q-dept").value.trim());
  const region = $("#queue-result");
  try {
    const data = await api("GET", "/api/v1/queue?" + params);
    if (!data.items.length) { region.replaceChildren(el("p", { id: "queue-empty" }, "队列为空：没有待审查的信息。")); return; }
    const rows = data.items.map((it) => el("tr", { "data-review": it.review_id },
      el("td", {}, el("a", { href: `/queue/${encodeURIComponent(it.review_id)}` }, it.title || it.item_id)),
      el("td", {}, it.department || "—"), el("td", {}, it.submitter || "—"),
      el("td", {}, el("span", { class: `sev ${it.decision}` }, DECISION_SHORT[it.decision])),
      el("td", {}, `第 ${it.level} 级`), el("td", {}, age(it.age_seconds))));
    region.replaceChildren(el("p", {}, `共 ${data.count} 条，最早的在前。`), el("div", { class: "table-wrap" }, el("table", { id: "queue-table" },
      el("thead", {}, el("tr", {}, ["标题", "部门", "提交人", "检查结果", "审查层级", "等待时间"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows))));
  } catch (err) { showError(region, err); }
}

function initQueue() {
  $("#queue-filter").addEventListener("submit", (e) => { e.preventDefault(); loadQueue(); });
  loadQueue();
}

async function initItem() {
  const id = document.body.dataset.review;
  const region = $("#item-result");
  let review;
  try { review = await api("GET", `/api/v1/reviews/${encodeURIComponent(id)}`); }
  catch (err) { showError(region, err); return; }
  const head = el("div", {},
    el("h1", {}, review.title || review.item_id),
    el("p", {}, `部门：${review.department || "—"}　提交人：${review.submitter || "—"}　提交时间：${cst(review.created_at)}　`,
      el("a", { href: `/api/v1/reviews/${encodeURIComponent(id)}/form?format=html`, target: "_blank" }, "打印审查表")),
    el("div", { class: `banner ${review.decision}`, id: "decision" }, DECISION_TEXT[review.decision],
      el("div", { style: "font-weight:normal" }, `状态：${STATUS_TEXT[review.status]}，第 ${review.level} 级审查。`)));
  const body = el("div");
  region.replaceChildren(head, body);
  if (review.content === null || review.content === undefined) {
    // Passed items keep only their hash: list the findings, highlight nothing.
    body.replaceChildren(el("p", { class: "muted" }, "正文未保存（通过的信息只保存摘要值）。"),
      el("ul", { class: "findings", id: "findings-list" }, review.findings.map((f) => el("li", {}, findingDetail(f)))));
  } else {
    showFindings(body, review.content || "", review.findings, review.omitted);
  }
  // History of the item.
  try {
    const item = await api("GET", `/api/v1/items/${encodeURIComponent(review.item_id)}?cms=${encodeURIComponent(review.cms)}`);
    region.append(el("h2", {}, "历史版本与审查记录"), el("div", { class: "table-wrap" }, el("table", { id: "history" },
      el("thead", {}, el("tr", {}, ["提交时间", "检查结果", "状态", "审查编号"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, item.history.map((h) => el("tr", {}, el("td", {}, cst(h.created_at)), el("td", {}, DECISION_SHORT[h.decision]), el("td", {}, STATUS_TEXT[h.status]),
        el("td", {}, h.review_id === id ? `${h.review_id}（本条）` : el("a", { href: `/queue/${encodeURIComponent(h.review_id)}` }, h.review_id))))))));
  } catch (_) { /* history is a convenience */ }
  if (review.resolutions.length) {
    region.append(el("h2", {}, "审查意见"), el("ul", { id: "resolutions" }, review.resolutions.map((r) =>
      el("li", {}, `第 ${r.level} 级 ${r.officer}：${r.opinion}（${r.basis}；${r.comment}）${cst(r.created_at)}`))));
  }
  if (review.status !== "pending") return;
  const out = el("div", { id: "resolve-result", "aria-live": "assertive" });
  const form = el("form", { id: "resolve-form" },
    el("h2", {}, "审查处理"),
    el("fieldset", {}, el("legend", {}, "处理方式"),
      ...[["approve", "批准公开"], ["reject", "不予公开"], ["escalate", "报上一级审查"]].map(([v, t]) =>
        el("label", { style: "font-weight:normal;display:inline-block;margin-right:1rem" },
          el("input", { type: "radio", name: "action", value: v, required: true }), " ", t))),
    el("label", { for: "resolve-basis" }, "依据和理由（必填）"),
    el("textarea", { id: "resolve-basis", name: "basis", required: true, style: "min-height:4rem" }),
    el("label", { for: "resolve-comment" }, "审查意见说明（必填）"),
    el("textarea", { id: "resolve-comment", name: "comment", required: true, style: "min-height:4rem" }),
    el("p", {}, el("button", { type: "submit" }, "提交")), out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const action = form.querySelector('input[name="action"]:checked')?.value;
    try {
      const updated = await api("POST", `/api/v1/reviews/${encodeURIComponent(id)}/resolution`,
        { action, comment: $("#resolve-comment").value, basis: $("#resolve-basis").value });
      // Show the item as the server now has it (status, history, opinions);
      // the form is gone unless the item is still pending (escalated).
      await initItem();
      $("#item-result").prepend(el("div", { id: "resolve-result" }, el("div", { class: "banner pass", role: "status" },
        `已提交：${STATUS_TEXT[updated.status]}（第 ${updated.level} 级）。`, " ", el("a", { href: "/queue" }, "返回队列"))));
    } catch (err) { showError(out, err); }
  });
  region.append(form);
}

// ---- 审查记录与报表 ---------------------------------------------------------

function monthChart(byMonth) {
  const months = Object.keys(byMonth).sort();
  const cats = Object.keys(CATEGORY_TEXT);
  const colors = ["#b3261e", "#6a1b9a", "#8a5300", "#5d4037", "#0b5cad", "#00695c", "#37474f"];
  const max = Math.max(1, ...months.map((m) => Object.values(byMonth[m]).reduce((a, b) => a + b, 0)));
  const w = 60 * Math.max(1, months.length) + 60, h = 220;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h + 40}`);
  svg.setAttribute("width", w);
  svg.setAttribute("height", h + 40);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "按月份和类别统计的需审查信息条数");
  svg.style.maxWidth = "100%";
  months.forEach((m, i) => {
    let y = h;
    cats.forEach((c, ci) => {
      const n = byMonth[m][c] || 0;
      if (!n) return;
      const bh = (n / max) * (h - 20);
      y -= bh;
      const r = document.createElementNS(ns, "rect");
      Object.entries({ x: 40 + i * 60, y, width: 36, height: bh, fill: colors[ci] }).forEach(([k, v]) => r.setAttribute(k, v));
      const t = document.createElementNS(ns, "title"); t.textContent = `${m} ${CATEGORY_TEXT[c]}：${n}`; r.append(t);
      svg.append(r);
    });
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 40 + i * 60); label.setAttribute("y", h + 16); label.textContent = m;
    svg.append(label);
  });
  const legend = el("p", {}, cats.map((c, ci) => el("span", { style: `margin-right:1em` }, el("span", { style: `display:inline-block;width:.8em;height:.8em;background:${colors[ci]}` }), " ", CATEGORY_TEXT[c])));
  return el("figure", {}, svg, el("figcaption", {}, legend));
}

// The 网站巡检 figures of the period, and a bar per problem category.
function inspectionFigures(f) {
  if (!f) return null;
  const rows = [["巡检次数", f.runs], ["检查页面数", f.pages], ["检查附件数", f.attachments], ["发现问题网址数", f.problems],
    ["无法读取的网址数", f.unreadable], ["已整改", f.rectified], ["其中经复查确认", f.rectified_verified], ["其中复查仍有问题", f.rectified_failed],
    ["误报", f.false_positives], ["转入审查", f.in_review], ["尚未处理", f.still_open]];
  const cats = Object.keys(CATEGORY_TEXT);
  const max = Math.max(1, ...cats.map((c) => f.by_category[c] || 0));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const w = 110 * cats.length + 40, h = 180;
  for (const [k, v] of Object.entries({ viewBox: `0 0 ${w} ${h + 40}`, width: w, height: h + 40, class: "inspection-chart", role: "img", "aria-label": "网站巡检按问题类别统计的网址数" })) svg.setAttribute(k, v);
  svg.style.maxWidth = "100%";
  cats.forEach((c, i) => {
    const n = f.by_category[c] || 0;
    const bh = (n / max) * (h - 20);
    const r = document.createElementNS(ns, "rect");
    for (const [k, v] of Object.entries({ x: 30 + i * 110, y: h - bh, width: 40, height: bh, fill: "#b3261e" })) r.setAttribute(k, v);
    const t = document.createElementNS(ns, "title"); t.textContent = `${CATEGORY_TEXT[c]}：${n}`; r.append(t);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 30 + i * 110); label.setAttribute("y", h + 16); label.setAttribute("font-size", "11"); label.textContent = `${CATEGORY_TEXT[c].slice(0, 6)} ${n}`;
    svg.append(r, label);
  });
  return el("section", { id: "inspection-report", "aria-label": "网站巡检统计" }, el("h3", {}, "网站巡检"),
    el("table", { id: "inspection-report-table" }, el("tbody", {}, rows.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v))))),
    el("figure", {}, svg, el("figcaption", {}, "按问题类别统计的网址数")));
}

async function searchRecords() {
  const from = $("#r-from").value, to = $("#r-to").value;
  const params = new URLSearchParams({ from, to });
  for (const [k, id] of [["department", "#r-dept"], ["decision", "#r-decision"], ["category", "#r-category"]]) {
    if ($(id).value.trim()) params.set(k, $(id).value.trim());
  }
  const list = $("#records-result"), stats = $("#report-result");
  try {
    const data = await api("GET", "/api/v1/reviews?" + params);
    list.replaceChildren(el("p", {}, `共 ${data.count} 条。`), el("div", { class: "table-wrap" }, el("table", { id: "records-table" },
      el("thead", {}, el("tr", {}, ["提交时间", "标题", "部门", "检查结果", "状态", "审查表"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, data.items.map((r) => el("tr", { "data-review": r.review_id },
        el("td", {}, cst(r.created_at)), el("td", {}, r.title || r.item_id), el("td", {}, r.department || "—"),
        el("td", {}, DECISION_SHORT[r.decision]), el("td", {}, STATUS_TEXT[r.status]),
        el("td", {}, el("a", { href: `/api/v1/reviews/${encodeURIComponent(r.review_id)}/form?format=html`, target: "_blank" }, "查看"))))))));
    const rep = await api("GET", `/api/v1/report?from=${from}&to=${to}`);
    const q = `from=${from}&to=${to}`;
    stats.replaceChildren(
      el("table", { id: "report-table" }, el("tbody", {}, [["审查信息总数", rep.reviewed], ["直接通过", rep.passed], ["需人工审查", rep.flagged], ["其中拦截", rep.blocked], ["已办结", rep.resolved], ["待处理", rep.still_pending], ["拦截后批准公开", rep.overrides]]
        .map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v))))),
      monthChart(rep.by_month),
      inspectionFigures(rep.inspection),
      el("p", {}, "导出：", el("a", { href: `/api/v1/report?${q}&format=docx`, id: "export-docx" }, "Word（.docx，可编辑）"), "　", el("a", { href: `/api/v1/report?${q}&format=csv` }, "CSV"), "　", el("a", { href: `/api/v1/report?${q}&format=markdown` }, "Markdown"), "　", el("a", { href: `/api/v1/report?${q}&format=json` }, "JSON")));
  } catch (err) { showError(list, err); }
}

function initRecords() {
  // The server's days are China Standard Time: from 00:00 to 08:00 CST the
  // UTC date is still yesterday, and today's reviews would be left out.
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  if (!$("#r-from").value) $("#r-from").value = today.slice(0, 4) + "-01-01";
  if (!$("#r-to").value) $("#r-to").value = today;
  $("#records-form").addEventListener("submit", (e) => { e.preventDefault(); searchRecords(); });
  searchRecords();
}

const PAGES = { check: initCheck, queue: initQueue, item: initItem, records: initRecords };
document.addEventListener("DOMContentLoaded", () => { const init = PAGES[document.body.dataset.page]; if (init) init(); });
