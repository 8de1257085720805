// SetGan fleet dashboard: polls the service's API and redraws. No framework and no CDN, so it runs on a closed network.
"use strict";

// The admin token arrives once in the address (#token=...); keep it as a same-site cookie and drop it from the address.
(function takeToken() {
  const m = location.hash.match(/token=([0-9a-f]+)/);
  if (m) {
    document.cookie = `setgan_token=${m[1]}; path=/; SameSite=Strict`;
    history.replaceState(null, "", location.pathname);
  }
})();

const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
// Panels (live power and images) for at most this many devices: each costs two requests a second, and a page
// polling every device of a large fleet would load the service more than the devices do.
const maxPanels = 8;
const state = { devices: [], colours: {}, chosen: null };

async function api(path, options) {
  const response = await fetch("/api" + path, Object.assign({ credentials: "same-origin" }, options));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

// One message per source: a poll that succeeds clears only its own, so a refused budget's reason stays on the page
// until the operator's next budget succeeds instead of vanishing at the next second's refresh.
const errors = new Map();
function showError(source, e) {
  if (e) errors.set(source, String(e.message || e)); else errors.delete(source);
  document.getElementById("error").textContent = [...new Set(errors.values())].join(" · ");
}
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}
function fmt(x, digits = 3) {
  if (x === null || x === undefined) return "–";
  const v = Number(x);
  return v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(digits - 1) : v.toPrecision(digits);
}
function ago(time) {
  if (!time) return "–";
  const s = Math.max(0, (Date.now() - Date.parse(time)) / 1000);
  return s < 60 ? `${s.toFixed(0)} s ago` : s < 3600 ? `${(s / 60).toFixed(0)} min ago` : new Date(time).toLocaleString();
}
function budgetText(b) {
  if (!b) return "none";
  const parts = [];
  if (b.joulesPerImage != null) parts.push(`${fmt(b.joulesPerImage)} J/image`);
  if (b.watts != null) parts.push(`${fmt(b.watts)} W at ${fmt(b.imagesPerMinute)}/min`);
  return parts.join(", ") || "none";
}
function colour(id) {
  if (!(id in state.colours)) state.colours[id] = palette[Object.keys(state.colours).length % palette.length];
  return state.colours[id];
}

function deviceRow(d) {
  let row = document.querySelector(`#devices tr[data-device="${CSS.escape(d.id)}"]`);
  if (!row) {
    row = el("tr", { "data-device": d.id });
    for (const name of ["id", "tags", "profile", "status", "k", "budget", "joules", "power", "seen"]) row.append(el("td", { class: name }));
    row.querySelector("td.id").addEventListener("click", () => toggle(d.id));
    row.querySelector("td.id").title = "show or hide this device's power and images";
    const input = el("input", { class: "budget-j", type: "number", min: "0.000001", step: "any", placeholder: "J" });
    const button = el("button", { class: "budget-set", type: "button" }, "set");
    const result = el("span", { class: "decision" });
    button.addEventListener("click", () => setBudget(d.id, input, result));
    row.append(el("td", {}, input, " ", button, " ", result));
    document.querySelector("#devices tbody").append(row);
  }
  const cell = name => row.querySelector(`td.${name}`);
  cell("id").replaceChildren(el("span", { class: "dot" + (d.connected ? " on" : ""), title: d.connected ? "connected" : "offline" }), d.id);
  cell("tags").textContent = d.tags.join(", ");
  cell("profile").textContent = d.profile || "–";
  cell("status").textContent = (d.enabled ? "" : "disabled · ") + (d.status || "–") + (d.rejected ? ` (refused: ${d.rejected})` : "");
  cell("k").textContent = `${d.activeK ?? "–"} / ${d.kStar ?? "–"}`;
  cell("k").title = d.decision ? d.decision.reason : "";
  cell("budget").textContent = budgetText(d.budget);
  cell("joules").textContent = fmt(d.joulesPerImage);
  cell("power").replaceChildren(d.powerWatts == null ? "–" : `${d.powerWatts.toFixed(2)} W`, d.powerEstimated ? el("span", { class: "est" }, " est.") : "");
  cell("seen").textContent = ago(d.lastSeen);
}

async function setBudget(device, input, result) {
  const joules = Number(input.value);
  if (!(joules > 0)) { result.textContent = "enter joules per image"; return; }
  result.textContent = "…";
  try {
    const decisions = await api("/budget", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ device, joulesPerImage: joules }) });
    const d = decisions[0];
    result.textContent = `k* = ${d.k}`;
    result.title = d.reason;
    showError("budget", null);
    refreshDevices();
  } catch (e) { result.textContent = "failed"; showError("budget", e); }
}

function panel(d) {
  let p = document.querySelector(`.panel[data-device="${CSS.escape(d.id)}"]`);
  if (!p) {
    p = el("div", { class: "panel", "data-device": d.id }, el("h3", {}, d.id), svg("svg", { class: "power", width: 410, height: 120 }), el("div", { class: "images" }));
    document.getElementById("panels").append(p);
  }
  return p;
}

function drawPower(p, data) {
  const chart = p.querySelector("svg.power");
  const w = 410, h = 120, left = 34, bottom = 16;
  chart.replaceChildren();
  const pts = data.points;
  if (pts.length < 2) { chart.append(Object.assign(svg("text", { x: left, y: 60 }), { textContent: "no power samples yet" })); return; }
  const t1 = pts[pts.length - 1].t, t0 = t1 - 60000;
  const visible = pts.filter(q => q.t >= t0);
  const max = Math.max(0.5, ...visible.map(q => q.w)) * 1.1;
  const x = t => left + (w - left - 4) * (t - t0) / (t1 - t0), y = v => (h - bottom - 8) * (1 - v / max) + 8;
  chart.append(svg("line", { x1: left, y1: y(0), x2: w - 4, y2: y(0), stroke: "#ccc" }));
  for (const v of [0, max / 2, max]) chart.append(Object.assign(svg("text", { x: 2, y: y(v) + 3 }), { textContent: `${v.toFixed(1)} W` }));
  chart.append(Object.assign(svg("text", { x: left, y: h - 2 }), { textContent: `last 60 s${data.estimated ? " (estimated)" : ""}` }));
  chart.append(svg("polyline", { fill: "none", stroke: colour(p.dataset.device), "stroke-width": 1.5,
    points: visible.map(q => `${x(q.t).toFixed(1)},${y(q.w).toFixed(1)}`).join(" ") }));
}

function drawImages(p, images) {
  const box = p.querySelector(".images");
  const key = images.map(i => i.image).join(",");
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(...images.map(i => el("img", { src: i.url, alt: `k=${i.k} seed ${i.seed}`,
    title: `k = ${i.k}, seed ${i.seed}, ${fmt(i.joules)} J${i.estimated ? " (estimated)" : ""}, ${new Date(i.time).toLocaleTimeString()}` })));
}

function drawPackage(pkg) {
  const w = 520, h = 300, left = 46, bottom = 34;
  const box = el("div", { class: "package", "data-package": pkg.sha256 },
    el("h3", {}, `${pkg.sourceImage} · ${pkg.scales} scales · ${pkg.sha256.slice(0, 12)}`));
  const chart = svg("svg", { width: w, height: h });
  const hasSsim = pkg.quality.every(q => q.ssim != null);
  const quality = k => hasSsim ? pkg.quality[k].ssim : k;
  const all = pkg.devices.flatMap(d => d.joulesPerImage);
  if (all.length === 0) {
    chart.append(Object.assign(svg("text", { x: left, y: h / 2 }), { textContent: "no device runs this package yet" }));
  } else {
    const lx = v => Math.log10(Math.max(v, 1e-6));
    const x0 = Math.floor(lx(Math.min(...all))), x1 = Math.ceil(lx(Math.max(...all)) + 1e-9);
    const q0 = Math.min(...pkg.quality.map((_, k) => quality(k))), q1 = Math.max(...pkg.quality.map((_, k) => quality(k)));
    const x = v => left + (w - left - 10) * (lx(v) - x0) / Math.max(1e-9, x1 - x0);
    const y = v => 10 + (h - bottom - 10) * (1 - (v - q0) / Math.max(1e-9, q1 - q0));
    for (let e = x0; e <= x1; e++)
      chart.append(Object.assign(svg("text", { x: x(10 ** e) - 8, y: h - bottom + 14 }), { textContent: `${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)} J` }));
    chart.append(Object.assign(svg("text", { x: left, y: h - 4 }), { textContent: "energy per image (log scale)" }));
    chart.append(Object.assign(svg("text", { x: left + 4, y: 10 }), { textContent: hasSsim ? "SSIM ↑" : "k ↑ (the package has no quality figures yet: `setgan evaluate`)" }));
    for (const v of [q0, q1]) chart.append(Object.assign(svg("text", { x: 2, y: y(v) + 3 }), { textContent: hasSsim ? v.toFixed(2) : String(v) }));
    for (const d of pkg.devices) {
      const c = colour(d.device);
      chart.append(svg("polyline", { fill: "none", stroke: c, "stroke-width": 1.5,
        points: d.joulesPerImage.map((j, k) => `${x(j).toFixed(1)},${y(quality(k)).toFixed(1)}`).join(" ") }));
      d.joulesPerImage.forEach((j, k) => chart.append(svg("circle", { cx: x(j), cy: y(quality(k)), r: 2.5, fill: c })));
      if (d.kStar != null && d.kStar < d.joulesPerImage.length) {
        const mark = svg("circle", { class: "kstar", "data-device": d.device, "data-k": d.kStar, cx: x(d.joulesPerImage[d.kStar]), cy: y(quality(d.kStar)),
          r: 7, fill: "none", stroke: c, "stroke-width": 2 });
        chart.append(mark);
      }
    }
  }
  const legend = el("div", {}, ...pkg.devices.map(d => el("span", { style: `color:${colour(d.device)}; margin-right: 1em` },
    `● ${d.device}: k* = ${d.kStar ?? "–"} (${d.source})`)));
  box.append(chart, legend);
  return box;
}

async function refreshDevices() {
  try {
    const devices = await api("/devices");
    state.devices = devices;
    devices.forEach(deviceRow);
    const online = devices.filter(d => d.connected).length;
    document.getElementById("summary").textContent = `${devices.length} devices, ${online} connected · updated ${new Date().toLocaleTimeString()}`;
    showError("devices", null);
  } catch (e) { showError("devices", e); }
}

// The devices with panels: the operator's choice (click a device's name), else the first few.
function shown() {
  const ids = state.devices.map(d => d.id);
  const chosen = state.chosen ? ids.filter(id => state.chosen.has(id)) : ids.slice(0, maxPanels);
  for (const p of document.querySelectorAll(".panel")) if (!chosen.includes(p.dataset.device)) p.remove();
  for (const source of [...errors.keys()]) if (source.startsWith("panel ") && !chosen.includes(source.slice(source.indexOf(" ", 6) + 1))) showError(source, null);
  document.getElementById("panels-note").textContent =
    ids.length > chosen.length ? `${chosen.length} of ${ids.length} devices; click a device's name to show or hide its panel` : "";
  return state.devices.filter(d => chosen.includes(d.id));
}

function toggle(id) {
  if (!state.chosen) state.chosen = new Set(state.devices.slice(0, maxPanels).map(d => d.id));
  if (state.chosen.has(id)) state.chosen.delete(id);
  else {
    if (state.chosen.size >= maxPanels) state.chosen.delete(state.chosen.values().next().value);
    state.chosen.add(id);
  }
  refreshPanels();
  refreshImages();
}

async function refreshPanels() {
  await Promise.all(shown().map(async d => {
    const p = panel(d);
    try { drawPower(p, await api(`/devices/${encodeURIComponent(d.id)}/power`)); showError("panel power " + d.id, null); } catch (e) { showError("panel power " + d.id, e); }
  }));
}

async function refreshImages() {
  await Promise.all(shown().map(async d => {
    try { drawImages(panel(d), await api(`/devices/${encodeURIComponent(d.id)}/images?latest=6`)); showError("panel images " + d.id, null); } catch (e) { showError("panel images " + d.id, e); }
  }));
}

async function refreshPackages() {
  try { document.getElementById("packages").replaceChildren(...(await api("/packages")).map(drawPackage)); showError("packages", null); } catch (e) { showError("packages", e); }
}

// Training jobs: one row each, newest first; the package column shows the SHA-256 to deploy once the model store has it.
async function refreshJobs() {
  try {
    const rows = (await api("/jobs")).reverse().map(j => {
      const settings = `${j.preset}, ${j.mode}` + (j.precision === "int8" ? ", int8" : "") + (j.iterations ? `, ${j.iterations} it.` : "") + (j.maxSize ? `, ${j.maxSize} px` : "");
      const row = el("tr", { "data-job": j.id, class: "job " + j.state },
        el("td", { class: "id" }, j.id), el("td", { class: "image" }, j.image), el("td", { class: "settings" }, settings),
        el("td", { class: "state" }, j.state), el("td", { class: "worker" }, j.worker || "–"), el("td", { class: "progress" }, j.progress || "–"),
        el("td", { class: "attempts num" }, String(j.attempts)),
        el("td", { class: "package", title: j.package || "" }, j.package ? j.package.slice(0, 12) : "–"), el("td", { class: "error" }, j.error || ""),
        el("td", { class: "actions" }));
      if (j.state === "queued" || j.state === "running") {
        const button = el("button", { class: "job-cancel", type: "button", title: "no trainer takes it again; a running one stops at its next lease renewal" }, "cancel");
        button.addEventListener("click", () => cancelJob(j.id, button));
        row.lastChild.append(button);
      }
      return row;
    });
    document.querySelector("#jobs tbody").replaceChildren(...rows);
    showError("jobs", null);
  } catch (e) { showError("jobs", e); }
}

async function cancelJob(id, button) {
  button.disabled = true;
  try {
    await api(`/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
    showError("cancel", null);
    refreshJobs();
  } catch (e) { button.disabled = false; showError("cancel", e); }
}

function every(ms, f) { f(); setInterval(f, ms); }
refreshDevices().then(() => {
  every(1000, refreshDevices);
  every(1000, refreshPanels);
  every(3000, refreshImages);
  every(3000, refreshPackages);
  every(3000, refreshJobs);
});
