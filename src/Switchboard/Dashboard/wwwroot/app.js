// Switchboard dashboard: plain JavaScript, no build step, no third-party code. Charts are hand-written SVG.
// Every value from the server goes into the page as text (textContent), never as HTML.
"use strict";

const pages = ["pools", "usage", "keys", "requests"];
const state = { page: null, poolsTimer: null, tickTimer: null, usageRange: "hour", pools: null, poolsAt: 0 };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const fmt = {
  int: n => (n === null || n === undefined) ? "-" : Number(n).toLocaleString("en-US"),
  ms: n => (n === null || n === undefined) ? "-" : Math.round(n).toLocaleString("en-US"),
  usd: n => "$" + Number(n || 0).toFixed(Number(n) >= 1 ? 2 : 4),
  time: ms => new Date(ms).toISOString().replace("T", " ").slice(0, 19),
};

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options) {
  const init = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
  if (init.body !== undefined) {
    init.method = init.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(init.body);
  }
  if (init.method && init.method !== "GET") init.headers["X-Switchboard-UI"] = "1";
  const response = await fetch(path, init);
  if (response.status === 401 && !path.endsWith("/login")) {
    showLogin();
    throw new HttpError(401, "Log in again.");
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) throw new HttpError(response.status, (body && body.error && body.error.message) || ("HTTP " + response.status));
  return body;
}

function replace(id, ...nodes) {
  const target = document.getElementById(id);
  target.replaceChildren(...nodes);
}

function table(columns, rows, options) {
  const head = el("tr", {}, columns.map(c => el("th", { class: c.num ? "num" : null }, c.title)));
  const body = rows.map(row => el("tr", (options && options.rowAttrs) ? options.rowAttrs(row) : {},
    columns.map(c => {
      const value = c.value(row);
      return el("td", { class: c.num ? "num" : (c.wrap ? "wrap" : (c.cls ? c.cls(row) : null)), "data-col": c.key || null },
        value instanceof Node ? value : (value === null || value === undefined ? "" : String(value)));
    })));
  if (rows.length === 0) body.push(el("tr", {}, el("td", { colspan: columns.length, class: "muted" }, (options && options.empty) || "Nothing yet.")));
  return el("table", (options && options.attrs) || {}, el("thead", {}, head), el("tbody", {}, body));
}

// ---- navigation and login ----

function showLogin() {
  stopPools();
  document.getElementById("nav").hidden = true;
  document.getElementById("logout").hidden = true;
  for (const p of pages) document.getElementById("page-" + p).hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("master-key").focus();
}

function showPage(name) {
  if (!pages.includes(name)) name = "pools";
  state.page = name;
  document.getElementById("login").hidden = true;
  document.getElementById("nav").hidden = false;
  for (const p of pages) document.getElementById("page-" + p).hidden = p !== name;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === name);
  stopPools();
  if (name === "pools") startPools();
  else if (name === "usage") loadUsage().catch(report);
  else if (name === "keys") loadKeys().catch(report);
  else if (name === "requests") loadRequests().catch(report);
}

function report(error) {
  if (error && error.status === 401) return;
  document.getElementById("status").textContent = error && error.message ? error.message : String(error);
}

async function start() {
  const session = await api("/ui/api/session");
  document.getElementById("logout").hidden = session.open_mode;
  if (session.open_mode) document.getElementById("status").textContent = "open mode (no master key): loopback only";
  if (!session.logged_in) { showLogin(); return; }
  showPage(location.hash.slice(1));
}

document.getElementById("login-form").addEventListener("submit", async event => {
  event.preventDefault();
  const input = document.getElementById("master-key");
  try {
    await api("/ui/api/login", { body: { master_key: input.value } });
    input.value = "";
    document.getElementById("login-error").textContent = "";
    document.getElementById("logout").hidden = false;
    showPage(location.hash.slice(1));
  } catch (error) {
    document.getElementById("login-error").textContent = error.message;
  }
});

document.getElementById("logout").addEventListener("click", async () => {
  await api("/ui/api/logout", { method: "POST" }).catch(() => {});
  showLogin();
});

window.addEventListener("hashchange", () => {
  if (!document.getElementById("nav").hidden) showPage(location.hash.slice(1));
});

// ---- Pools ----

function stopPools() {
  clearInterval(state.poolsTimer);
  clearInterval(state.tickTimer);
  state.poolsTimer = state.tickTimer = null;
}

function startPools() {
  const refresh = () => api("/ui/api/pools").then(status => {
    state.pools = status;
    state.poolsAt = Date.now();
    renderPools();
  }).catch(report);
  refresh();
  state.poolsTimer = setInterval(refresh, 2000);
  // The countdowns move every second between two refreshes.
  state.tickTimer = setInterval(renderPools, 1000);
}

function secondsLeft(value) {
  if (value === null || value === undefined) return null;
  return Math.max(0, Math.ceil(value - (Date.now() - state.poolsAt) / 1000));
}

function deploymentState(d) {
  if (d.disabled) return { text: "disabled", cls: "state-disabled" };
  if (d.cooling_down) {
    return { text: "cooling " + secondsLeft(d.cooldown_seconds_left) + "s", cls: "state-cooling" };
  }
  if (d.paced_seconds_left !== null && d.paced_seconds_left !== undefined) return { text: "paced " + secondsLeft(d.paced_seconds_left) + "s", cls: "state-paced" };
  return { text: "ok", cls: "state-ok" };
}

function renderPools() {
  const status = state.pools;
  if (!status || state.page !== "pools") return;
  document.getElementById("pools-meta").textContent = "routing: " + status.routing_strategy + " · at " + status.at;
  const columns = [
    { title: "Deployment", key: "id", value: d => d.id },
    { title: "Model", value: d => d.provider + "/" + d.model },
    { title: "Key", key: "key", value: d => d.key },
    { title: "State", key: "state", value: d => deploymentState(d).text, cls: d => deploymentState(d).cls },
    { title: "Why", key: "reason", wrap: true, value: d => d.disabled ? (d.disabled_reason || "") : d.cooling_down ? (d.cooldown_reason || "") : "" },
    { title: "In flight", num: true, value: d => d.in_flight + (d.max_parallel_requests !== null ? " / " + d.max_parallel_requests : "") },
    { title: "Req this min", num: true, value: d => fmt.int(d.current_minute.requests) + (d.rpm !== null ? " / " + fmt.int(d.rpm) : "") },
    { title: "Tokens this min", num: true, value: d => fmt.int(d.current_minute.tokens_in + d.current_minute.tokens_out) + (d.tpm !== null ? " / " + fmt.int(d.tpm) : "") },
    { title: "Requests", num: true, value: d => fmt.int(d.total.requests) },
    { title: "Failures", num: true, value: d => fmt.int(d.total.failures) },
    { title: "429", num: true, value: d => fmt.int(d.total.status_429) },
    { title: "p50 ms", num: true, value: d => fmt.ms(d.latency_p50_ms) },
    { title: "p95 ms", num: true, value: d => fmt.ms(d.latency_p95_ms) },
    { title: "TTFT p50 ms", num: true, value: d => fmt.ms(d.ttft_p50_ms) },
    { title: "Last error", wrap: true, value: d => d.last_error || "" },
  ];
  const nodes = status.model_groups.map(g => el("div", { class: "group", "data-group": g.model_name },
    el("div", { class: "group-title" }, g.model_name, el("span", { class: "muted small" }, "  queue: " + g.queued)),
    table(columns, g.deployments, { rowAttrs: d => ({ "data-deployment": d.id }) })));
  replace("pools", ...(nodes.length ? nodes : [el("p", { class: "muted" }, "No model groups configured.")]));
}

// ---- Usage ----

for (const button of document.querySelectorAll("button.range")) {
  button.addEventListener("click", () => { state.usageRange = button.dataset.range; loadUsage().catch(report); });
}
document.getElementById("usage-metric").addEventListener("change", () => loadUsage().catch(report));

function metricOf(row, metric) {
  if (metric === "tokens") return row.prompt_tokens + row.completion_tokens;
  if (metric === "cost") return row.cost;
  return row.requests;
}

function barChart(series, from, to, step, metric) {
  const width = 900, height = 220, left = 56, bottom = 24, top = 10;
  const slots = Math.max(1, Math.round((to - from) / step));
  const max = Math.max(1e-9, ...series.map(b => metricOf(b, metric)));
  const barWidth = (width - left - 8) / slots;
  const y = v => top + (height - top - bottom) * (1 - v / max);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": metric + " over time" });
  chart.append(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width - 4, y2: height - bottom }));
  chart.append(svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }));
  const label = metric === "cost" ? fmt.usd(max) : fmt.int(Math.round(max));
  chart.append(svg("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, label));
  chart.append(svg("text", { x: left - 4, y: height - bottom, "text-anchor": "end" }, "0"));
  for (const b of series) {
    const i = Math.floor((b.t - from) / step);
    if (i < 0 || i >= slots) continue;
    const x = left + i * barWidth + 1, v = metricOf(b, metric);
    const h = Math.max(1, height - bottom - y(v));
    chart.append(svg("rect", { class: "bar", x, y: height - bottom - h, width: Math.max(1, barWidth - 2), height: h },
      svg("title", {}, fmt.time(b.t) + ": " + (metric === "cost" ? fmt.usd(v) : fmt.int(v)))));
    if (metric === "requests" && b.failures > 0) {
      const fh = Math.max(1, height - bottom - y(b.failures));
      chart.append(svg("rect", { class: "bar-fail", x, y: height - bottom - fh, width: Math.max(1, barWidth - 2), height: fh }));
    }
  }
  const ticks = 6;
  for (let t = 0; t <= ticks; t++) {
    const ms = from + (to - from) * t / ticks;
    const text = step >= 86400000 ? new Date(ms).toISOString().slice(5, 10) : new Date(ms).toISOString().slice(11, 16);
    chart.append(svg("text", { x: left + (width - left - 8) * t / ticks, y: height - 8, "text-anchor": "middle" }, text));
  }
  return chart;
}

function horizontalBars(rows, metric) {
  const top = rows.slice(0, 10);
  const width = 900, rowHeight = 22, left = 220;
  const height = Math.max(1, top.length) * rowHeight + 8;
  const max = Math.max(1e-9, ...top.map(r => metricOf(r, metric)));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "keys used most" });
  top.forEach((r, i) => {
    const v = metricOf(r, metric), w = Math.max(1, (width - left - 90) * v / max);
    chart.append(svg("text", { x: left - 6, y: i * rowHeight + 16, "text-anchor": "end" }, r.name));
    chart.append(svg("rect", { class: "bar", x: left, y: i * rowHeight + 5, width: w, height: rowHeight - 8 }));
    chart.append(svg("text", { x: left + w + 4, y: i * rowHeight + 16 }, metric === "cost" ? fmt.usd(v) : fmt.int(v)));
  });
  if (top.length === 0) chart.append(svg("text", { x: 8, y: 18 }, "No calls in this range."));
  return chart;
}

function sliceTable(rows, testId) {
  return table([
    { title: "Name", key: "name", value: r => r.name },
    { title: "Requests", num: true, value: r => fmt.int(r.requests) },
    { title: "Failures", num: true, value: r => fmt.int(r.failures) },
    { title: "Tokens in", num: true, value: r => fmt.int(r.prompt_tokens) },
    { title: "Tokens out", num: true, value: r => fmt.int(r.completion_tokens) },
    { title: "Cost", num: true, value: r => fmt.usd(r.cost) },
    { title: "Avg ms", num: true, value: r => fmt.ms(r.avg_latency_ms) },
  ], rows, { attrs: { "data-table": testId } });
}

async function loadUsage() {
  for (const b of document.querySelectorAll("button.range")) b.classList.toggle("active", b.dataset.range === state.usageRange);
  const metric = document.getElementById("usage-metric").value;
  const usage = await api("/ui/api/usage?range=" + encodeURIComponent(state.usageRange));
  const total = usage.series.reduce((a, b) => ({
    requests: a.requests + b.requests, failures: a.failures + b.failures,
    tokens: a.tokens + b.prompt_tokens + b.completion_tokens, cost: a.cost + b.cost,
  }), { requests: 0, failures: 0, tokens: 0, cost: 0 });
  replace("usage-summary",
    el("div", { class: "card" }, el("div", { class: "muted" }, "Requests"), el("div", { class: "value", id: "usage-total-requests" }, fmt.int(total.requests))),
    el("div", { class: "card" }, el("div", { class: "muted" }, "Failures"), el("div", { class: "value" }, fmt.int(total.failures))),
    el("div", { class: "card" }, el("div", { class: "muted" }, "Tokens"), el("div", { class: "value" }, fmt.int(total.tokens))),
    el("div", { class: "card" }, el("div", { class: "muted" }, "Cost"), el("div", { class: "value" }, fmt.usd(total.cost))));
  replace("usage-chart", barChart(usage.series, usage.from_ms, usage.to_ms, usage.step_ms, metric));
  replace("usage-keys-chart", horizontalBars(usage.by_key, metric));
  replace("usage-by-key", sliceTable(usage.by_key, "by-key"));
  replace("usage-by-group", sliceTable(usage.by_model_group, "by-group"));
  replace("usage-by-deployment", sliceTable(usage.by_deployment, "by-deployment"));
}

// ---- Keys ----

function numberOrNull(id) {
  const value = document.getElementById(id).value.trim();
  return value === "" ? null : Number(value);
}

document.getElementById("key-form").addEventListener("submit", async event => {
  event.preventDefault();
  const body = {};
  const alias = document.getElementById("key-alias").value.trim();
  if (alias) body.key_alias = alias;
  const models = document.getElementById("key-models").value.split(",").map(m => m.trim()).filter(m => m);
  if (models.length) body.models = models;
  for (const [id, field] of [["key-budget", "max_budget"], ["key-rpm", "rpm_limit"], ["key-tpm", "tpm_limit"], ["key-parallel", "max_parallel_requests"]]) {
    const v = numberOrNull(id);
    if (v !== null) body[field] = v;
  }
  try {
    const created = await api("/ui/api/admin/key/generate", { body });
    document.getElementById("key-secret-value").textContent = created.key;
    document.getElementById("key-secret").hidden = false;
    document.getElementById("key-form").reset();
    document.getElementById("keys-error").textContent = "";
    await loadKeys();
  } catch (error) {
    document.getElementById("keys-error").textContent = error.message;
  }
});

document.getElementById("key-secret-hide").addEventListener("click", () => {
  document.getElementById("key-secret-value").textContent = "";
  document.getElementById("key-secret").hidden = true;
});

async function keyAction(path, body) {
  try {
    await api("/ui/api/admin/key/" + path, { body });
    document.getElementById("keys-error").textContent = "";
  } catch (error) {
    document.getElementById("keys-error").textContent = error.message;
  }
  await loadKeys();
}

function editLimits(k) {
  const ask = (label, current) => {
    const answer = prompt(label + " (empty for none)", current === null || current === undefined ? "" : String(current));
    return answer === null ? undefined : (answer.trim() === "" ? null : Number(answer));
  };
  const changes = {
    max_budget: ask("Max budget in USD", k.max_budget),
    rpm_limit: ask("Requests per minute", k.rpm_limit),
    tpm_limit: ask("Tokens per minute", k.tpm_limit),
    max_parallel_requests: ask("Parallel requests", k.max_parallel_requests),
  };
  const body = { key: k.token };
  for (const [field, value] of Object.entries(changes)) if (value !== undefined) body[field] = value;
  return keyAction("update", body);
}

async function loadKeys() {
  const all = [];
  for (let page = 1; ; page++) {
    const result = await api("/ui/api/admin/key/list?return_full_object=true&size=100&page=" + page);
    all.push(...result.keys);
    if (page >= result.total_pages) break;
  }
  replace("keys", table([
    { title: "Alias", key: "alias", value: k => k.key_alias || "" },
    { title: "Key", key: "key", value: k => k.key_name },
    { title: "Token id", value: k => k.token.slice(0, 8) },
    { title: "Models", value: k => k.models.length ? k.models.join(", ") : "all" },
    { title: "Spend", num: true, value: k => fmt.usd(k.spend) },
    { title: "Budget", num: true, value: k => k.max_budget === null ? "-" : fmt.usd(k.max_budget) },
    { title: "RPM", num: true, value: k => k.rpm_limit === null ? "-" : fmt.int(k.rpm_limit) },
    { title: "TPM", num: true, value: k => k.tpm_limit === null ? "-" : fmt.int(k.tpm_limit) },
    { title: "Parallel", num: true, value: k => k.max_parallel_requests === null ? "-" : fmt.int(k.max_parallel_requests) },
    { title: "State", key: "state", value: k => k.blocked ? "blocked" : "active", cls: k => k.blocked ? "state-disabled" : "state-ok" },
    { title: "", value: k => el("span", {},
      el("button", { type: "button", onclick: () => editLimits(k) }, "Limits…"), " ",
      el("button", { type: "button", onclick: () => keyAction(k.blocked ? "unblock" : "block", { key: k.token }) }, k.blocked ? "Unblock" : "Block"), " ",
      el("button", { type: "button", onclick: () => { if (confirm("Revoke this key? Calls with it fail at once.")) keyAction("delete", { keys: [k.token] }); } }, "Revoke")) },
  ], all, { rowAttrs: k => ({ "data-alias": k.key_alias || "" }), empty: "No virtual keys yet." }));
}

// ---- Requests ----

document.getElementById("requests-form").addEventListener("submit", event => {
  event.preventDefault();
  loadRequests().catch(report);
});

async function loadRequests() {
  const params = new URLSearchParams({ limit: "100" });
  const key = document.getElementById("filter-key").value.trim();
  const group = document.getElementById("filter-group").value.trim();
  const status = document.getElementById("filter-status").value;
  if (key) params.set("key", key);
  if (group) params.set("group", group);
  if (status) params.set("status", status);
  const result = await api("/ui/api/requests?" + params.toString());
  replace("requests", table([
    { title: "Time (UTC)", value: r => fmt.time(r.t) },
    { title: "Key", key: "key", value: r => r.key },
    { title: "Group", key: "group", value: r => r.model_group },
    { title: "Deployment", value: r => r.deployment || "-" },
    { title: "Status", key: "status", value: r => r.status, cls: r => r.status >= 400 ? "state-disabled" : "state-ok" },
    { title: "Retries", num: true, value: r => r.retries },
    { title: "Latency ms", num: true, value: r => fmt.ms(r.latency_ms) },
    { title: "TTFT ms", num: true, value: r => fmt.ms(r.ttft_ms) },
    { title: "Tokens in", num: true, value: r => fmt.int(r.prompt_tokens) },
    { title: "Tokens out", num: true, value: r => fmt.int(r.completion_tokens) },
    { title: "Cost", num: true, value: r => fmt.usd(r.cost) },
    { title: "API", value: r => r.api + (r.stream ? " (stream)" : "") + (r.cache_hit ? " (cache hit)" : "") },
    { title: "Error", value: r => r.error || "" },
  ], result.requests, { rowAttrs: r => ({ "data-request": r.request_id }), empty: "No calls match." }));
}

start().catch(report);
