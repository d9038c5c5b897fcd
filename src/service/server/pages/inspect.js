// baomi 网站巡检 pages. Loaded after app.js, whose helpers (api, el, $,
// cst, renderHighlighted, findingDetail, showError and the label tables)
// it uses. Like every page, it calls the JSON API and enforces nothing the
// server does not.
"use strict";

const ACTION_TEXT = { rectified: "已整改（已删除或修改）", false_positive: "误报", to_review: "转入审查" };
const CHECK_TEXT = { gone: "已删除（网址已不可访问）", clean: "已修改，复查未发现问题", unchanged: "未整改：内容未变", still_flagged: "已修改，但仍有问题" };
const KIND_TEXT = { page: "页面", attachment: "附件", redirect: "跳转", crawl: "抓取" };
const RUN_STATUS = { running: "巡检中", finished: "已完成" };

function figureCells(s) {
  return [s.pages, s.attachments, s.open, s.fetch_errors, s.false_positives + s.in_review + s.rectified];
}

async function loadInspections() {
  const region = $("#inspections-result");
  let data;
  try { data = await api("GET", "/api/v1/inspections"); } catch (err) { showError(region, err); return; }
  if (!data.items.length) region.replaceChildren(el("p", { id: "inspections-empty" }, "尚无巡检记录。"));
  else region.replaceChildren(el("div", { class: "table-wrap" }, el("table", { id: "inspections-table" },
    el("thead", {}, el("tr", {}, ["名称", "开始时间", "发起人", "状态", "进度（已抓取/待抓取）", "页面", "附件", "未解决问题", "无法读取", "已处理"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, data.items.map((r) => el("tr", { "data-inspection": r.id },
      el("td", {}, el("a", { href: `/inspections/${encodeURIComponent(r.id)}` }, r.name)),
      el("td", {}, cst(r.created_at)), el("td", {}, r.started_by),
      el("td", {}, RUN_STATUS[r.status] || r.status, r.settings.ignore_robots ? "（未遵守 robots.txt）" : ""),
      el("td", {}, `${r.frontier.done} / ${r.frontier.queued + r.frontier.leased}`),
      ...figureCells(r.summary).map((n) => el("td", {}, n))))))));
  const schedules = $("#schedules-result");
  schedules.replaceChildren(data.schedules.length
    ? el("ul", { id: "schedules" }, data.schedules.map((s) => el("li", {}, `${s.name}：每 ${s.every_hours} 小时一次（${s.start.join("、")}），下次 ${s.next_run_at ? cst(s.next_run_at) : "启动后立即"}`)))
    : el("p", { class: "muted" }, "配置文件中没有定期巡检（[[inspect_schedule]]）。"));
  if (data.items.some((r) => r.status === "running")) setTimeout(loadInspections, 3000);
}

function initInspections() {
  const form = $("#inspect-form");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = $("#inspect-start-result");
    const body = {
      start: $("#i-start").value.split(/\s+/).filter(Boolean),
      allow_hosts: $("#i-hosts").value.split(/[,，\s]+/).filter(Boolean),
      max_pages: Number($("#i-pages").value) || undefined,
      rate: Number($("#i-rate").value) || undefined,
      ignore_robots: $("#i-robots").checked,
    };
    if ($("#i-name").value.trim()) body.name = $("#i-name").value.trim();
    try {
      const run = await api("POST", "/api/v1/inspections", body);
      out.replaceChildren(el("div", { class: "banner pass", role: "status" }, "巡检已开始：", el("a", { href: `/inspections/${encodeURIComponent(run.id)}` }, run.name)));
      loadInspections();
    } catch (err) { showError(out, err); }
  });
  loadInspections();
}

// One URL's findings: the page text with every hit marked (attachments:
// each finding with its place and excerpt), the record's state, and the
// action form.
function recordSection(runId, item, onChange) {
  const findings = item.findings || [];
  const head = el("h3", {}, el("a", { href: item.url, target: "_blank", rel: "noopener noreferrer" }, item.title || item.url));
  const meta = el("p", { class: "muted" }, `${KIND_TEXT[item.kind] || item.kind}　${item.url}`,
    item.referrer ? `　链接所在页面：${item.referrer}` : "", item.status ? `　HTTP ${item.status}` : "　无应答", `　${cst(item.fetched_at)}`);
  const state = [];
  state.push(el("span", { class: `sev ${item.decision === "pass" ? "info" : item.decision}` }, DECISION_SHORT[item.decision]));
  if (item.quiet) state.push(el("span", { class: "muted" }, `　${ACTION_TEXT[item.quiet.action]}，不再作为问题报告`));
  if (item.check) state.push(el("span", { "data-check": item.check.result }, `　已整改复查：${CHECK_TEXT[item.check.result]}`));
  if (item.unchanged) state.push(el("span", { class: "muted" }, "　内容未变化，沿用上次检查结果"));
  if (item.duplicate_of) state.push(el("span", { class: "muted" }, `　与 ${item.duplicate_of} 内容相同`));
  const body = [];
  if (item.error) body.push(el("p", { role: "alert" }, "未能完整读取：", item.error));
  const inText = findings.filter((f) => !f.location);
  if (item.content && inText.length) {
    const view = el("div", { class: "content", "aria-label": "页面内容（问题已标出）" });
    const detail = el("div", { "aria-live": "polite" });
    renderHighlighted(view, item.content, findings, (i) => detail.replaceChildren(findingDetail(findings[i])));
    body.push(view, detail);
  }
  const listed = item.content ? findings.filter((f) => f.location) : findings;
  if (listed.length) body.push(el("ul", { class: "findings" }, listed.map((f) => el("li", {},
    el("span", { class: `sev ${f.severity}` }, SEVERITY_TEXT[f.severity]), " ", el("strong", {}, f.location || `第 ${f.line} 行`), "：",
    el("mark", { class: f.severity }, f.text), `　${CATEGORY_TEXT[f.category] || f.category}，${f.explanation.reason}`,
    el("div", { class: "muted" }, f.excerpt)))));
  if (item.actions.length) body.push(el("ul", { class: "actions" }, item.actions.map((a) => el("li", { "data-action": a.action },
    `${cst(a.created_at)} ${a.officer}：${ACTION_TEXT[a.action]}（${a.comment}）`,
    a.review_id ? el("a", { href: `/queue/${encodeURIComponent(a.review_id)}` }, "　查看审查") : "",
    a.check ? `　复查：${CHECK_TEXT[a.check.result]}` : ""))));
  const out = el("div", { "aria-live": "assertive" });
  const name = `act-${item.id}`;
  const form = el("form", { class: "act-form", "data-record": item.id },
    el("fieldset", {}, el("legend", {}, "处理"),
      ...Object.entries(ACTION_TEXT).map(([v, t]) => el("label", { style: "font-weight:normal;display:inline-block;margin-right:1rem" },
        el("input", { type: "radio", name, value: v, required: true }), " ", t))),
    el("label", { for: `${name}-comment` }, "整改情况或理由（必填）"),
    el("textarea", { id: `${name}-comment`, required: true, style: "min-height:3rem" }),
    el("p", {}, el("button", { type: "submit" }, "提交")), out);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const action = form.querySelector(`input[name="${name}"]:checked`)?.value;
    try {
      await api("POST", `/api/v1/inspections/${encodeURIComponent(runId)}/actions`,
        { record_id: item.id, action, comment: form.querySelector("textarea").value });
      onChange();
    } catch (err) { showError(out, err); }
  });
  return el("section", { class: "detail", "data-url": item.url, "data-record": item.id }, head, meta, el("p", {}, state), ...body,
    item.decision === "pass" ? null : form);
}

async function initInspection() {
  const id = document.body.dataset.inspection;
  const top = $("#inspection-result"), list = $("#findings-result");
  let run, found;
  try {
    [run, found] = await Promise.all([
      api("GET", `/api/v1/inspections/${encodeURIComponent(id)}`),
      api("GET", `/api/v1/inspections/${encodeURIComponent(id)}/findings`),
    ]);
  } catch (err) { showError(top, err); return; }
  const s = run.summary;
  const checks = Object.entries(s.checks).map(([k, n]) => `${CHECK_TEXT[k] || k} ${n}`).join("，");
  top.replaceChildren(...[el("h1", {}, run.name),
    el("p", {}, `${RUN_STATUS[run.status] || run.status}　开始 ${cst(run.created_at)}${run.finished_at ? "　完成 " + cst(run.finished_at) : ""}　发起人 ${run.started_by}`),
    run.settings.ignore_robots ? el("p", { class: "banner review" }, "本次巡检未遵守 robots.txt。") : null,
    el("table", { id: "inspection-figures" }, el("tbody", {}, [
      ["页面", s.pages], ["附件", s.attachments], ["未解决问题", s.open], ["无法读取", s.fetch_errors],
      ["误报", s.false_positives], ["已转入审查", s.in_review], ["已整改并复查通过", s.rectified],
      ["未抓取（robots.txt / 深度 / 页数）", `${s.skipped_robots} / ${s.skipped_depth} / ${s.skipped_pages}`],
    ].map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v))))),
    checks ? el("p", { id: "inspection-checks" }, `已整改复查：${checks}`) : null].filter(Boolean));
  if (!found.items.length) { list.replaceChildren(el("p", { id: "findings-empty" }, run.status === "running" ? "巡检中，尚未发现问题。" : "未发现问题。")); }
  else list.replaceChildren(el("h2", {}, `按网址列出的问题（${found.count} 个网址）`),
    ...found.items.map((item) => recordSection(id, item, initInspection)));
  if (run.status === "running") setTimeout(initInspection, 3000);
}

document.addEventListener("DOMContentLoaded", () => {
  const init = { inspections: initInspections, inspection: initInspection }[document.body.dataset.page];
  if (init) init();
});
