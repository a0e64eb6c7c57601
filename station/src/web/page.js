// The station page: follows /api/events (Server-Sent Events), draws the pressure trace on a
// canvas, and posts Start/Stop to the API. No libraries: the page works without internet.
"use strict";
const $ = (id) => document.getElementById(id);
let points = [];          // [t_s, pressure_kpa] of the running test
let lastTest = null;      // serial of the test the trace belongs to
let operatorsShown = "";

// A number to `digits` decimals; noise around zero shows as 0, never "-0.00".
function fmt(x, digits) {
  if (x === null || x === undefined) return "—";
  const s = x.toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : s;
}

function chip(el, text, state) {
  el.textContent = text;
  el.className = "chip" + (state === true ? " good" : state === false ? " bad" : "");
}

function showStatus(s) {
  $("station").textContent = "coldtray station " + s.station_id;
  const r = s.rig;
  chip($("link"), "link " + r.link, r.link === "up" ? true : r.link === "down" ? false : null);
  chip($("estop"), r.estop ? "E-STOP PRESSED" : (r.estop === false ? "e-stop clear" : "e-stop ?"), r.estop === null ? null : !r.estop);
  chip($("pump"), r.pump_fault ? "pump FAULT" : (r.pump_running ? "pump running" : "pump off"), r.pump_fault ? false : null);
  $("ready").textContent = s.test ? "testing" : (r.ready ? "ready" : (r.not_ready || ""));
  const ops = s.operators.join(",");
  if (ops !== operatorsShown) {
    const sel = $("operator-input");
    sel.innerHTML = "";
    for (const o of s.operators) { const opt = document.createElement("option"); opt.value = o; opt.textContent = o; sel.appendChild(opt); }
    operatorsShown = ops;
  }
  const t = s.test;
  if (t) {
    if (lastTest !== t.serial + t.started_at) { lastTest = t.serial + t.started_at; points = []; }
    $("serial").textContent = t.serial;
    $("recipe").textContent = t.recipe + " · " + t.operator;
    $("phase").textContent = t.stopping ? "stopping…" : (t.phase || "starting");
    $("countdown").textContent = t.phase_remaining_s !== null ? fmt(t.phase_remaining_s, 0) + " s left" : "";
    $("verdict").textContent = ""; $("verdict").className = ""; $("reason").textContent = "";
  } else {
    $("phase").textContent = "idle"; $("countdown").textContent = "";
    $("pressure").textContent = r.pressure_kpa === null ? "" : fmt(r.pressure_kpa, 1) + " kPa";
    if (s.last) {
      const l = s.last;
      $("serial").textContent = l.serial; $("recipe").textContent = l.operator;
      $("verdict").textContent = l.outcome.toUpperCase();
      $("verdict").className = l.outcome;
      $("reason").textContent = l.reason + (l.kept ? "" : " — RECORD NOT STORED");
    }
  }
}

function showSample(x) {
  $("phase").textContent = x.phase;
  $("countdown").textContent = x.phase_remaining_s !== null ? fmt(x.phase_remaining_s, 0) + " s left" : fmt(x.phase_elapsed_s, 0) + " s";
  $("pressure").textContent = fmt(x.pressure_kpa, 1) + " kPa";
  if (x.pressure_kpa !== null) { points.push([x.t_s, x.pressure_kpa]); draw(); }
}

function draw() {
  const c = $("trace"), g = c.getContext("2d");
  const w = c.width, h = c.height, m = 36;
  g.clearRect(0, 0, w, h);
  g.strokeStyle = "#889"; g.lineWidth = 1;
  g.strokeRect(m, 8, w - m - 8, h - m - 8);
  if (points.length < 1) return;
  const tMax = Math.max(10, points[points.length - 1][0]);
  const pMax = Math.max(10, ...points.map((p) => p[1])) * 1.1;
  const x = (t) => m + (w - m - 8) * t / tMax;
  const y = (p) => h - m - (h - m - 16) * Math.max(0, p) / pMax;
  g.fillStyle = "#556"; g.font = "12px sans-serif";
  g.fillText(pMax.toFixed(0) + " kPa", 2, 18); g.fillText("0", 24, h - m);
  g.fillText(tMax.toFixed(0) + " s", w - 40, h - m + 16);
  g.strokeStyle = "#1565c0"; g.lineWidth = 2; g.beginPath();
  points.forEach((p, i) => { if (i === 0) g.moveTo(x(p[0]), y(p[1])); else g.lineTo(x(p[0]), y(p[1])); });
  g.stroke();
}

async function loadRecords() {
  try {
    const r = await (await fetch("/api/records")).json();
    const body = $("records"); body.innerHTML = "";
    for (const t of r.tests) {
      const tr = document.createElement("tr");
      for (const [v, cls] of [[t.started_at, ""], [t.serial, ""], [t.recipe, ""], [t.outcome.toUpperCase() + (t.dry_run ? " (dry run)" : ""), "o-" + t.outcome], [fmt(t.leak_sccm, 2), ""], [t.reason, ""]]) {
        const td = document.createElement("td"); td.textContent = v; if (cls) td.className = cls; tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    const y = r.today;
    $("fpy").textContent = y.fpy === null ? "—" : (100 * y.fpy).toFixed(1) + " %";
    $("fpy-detail").textContent = y.first_pass + " of " + y.serials + " serials passed first time" + (y.only_aborted ? ", " + y.only_aborted + " only aborted" : "");
  } catch (e) { /* the next status change retries */ }
}

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) { $("message").textContent = (data.field ? data.field + ": " : "") + (data.error || res.statusText); return false; }
  $("message").textContent = "";
  return true;
}

$("start").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const reason = $("reason-input").value.trim();
  const ok = await post("/api/tests", { serial: $("serial-input").value.trim(), operator: $("operator-input").value, reason: reason || null });
  if (ok) { $("serial-input").value = ""; $("reason-input").value = ""; }
  $("serial-input").focus();
});
$("stop-button").addEventListener("click", () => post("/api/stop"));

let wasTesting = false;
const events = new EventSource("/api/events");
events.addEventListener("status", (e) => {
  const s = JSON.parse(e.data); showStatus(s);
  const testing = s.test !== null;
  if (wasTesting && !testing) loadRecords();
  wasTesting = testing;
});
events.addEventListener("live", (e) => {
  const ev = JSON.parse(e.data);
  if (ev.type === "sample") showSample(ev);
  else if (ev.type === "phase") { $("phase").textContent = ev.phase; }
  else if (ev.type === "started") { points = []; draw(); }
});
events.onerror = () => chip($("link"), "station unreachable", false);
loadRecords();
draw();
