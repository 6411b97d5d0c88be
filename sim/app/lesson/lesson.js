// The lesson page's script: it looks up the run the engine computed for the controls'
// setting and draws month `month` of it. It holds no model rule: every number and sentence
// comes from the data below (sim/app/lesson/grid.py), computed by the batch engine.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("lesson-data").textContent);
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"];
  const $ = id => document.getElementById(id);
  const esc = s => String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                                                     '"': "&quot;", "'": "&#39;"})[c]);
  const pct = v => Math.round(v * 100) + "%";
  const num = v => Math.round(v).toLocaleString("en-US");
  const state = {world: Object.keys(D.worlds)[0], design: D.designs[0].name,
                 index: D.sliders.map(() => 0), month: 0, timer: null};

  // ------------------------------------------------------------------ the current run
  function run() {
    let cell = D.grid[state.world][state.design];
    for (const i of state.index) cell = cell[i];
    return D.runs[cell];
  }
  function world() { return D.worlds[state.world]; }
  function at(r, key, m) { const v = r.series[key][m - 1]; return v === null ? NaN : v; }
  function setting() {
    const out = {world: state.world, design: state.design};
    D.sliders.forEach((s, k) => { out[s.key] = s.values[state.index[k]]; });
    return out;
  }

  // ------------------------------------------------------------------ cards (as the app's)
  function calendar(start, months) {
    const [y, m] = start.split("-").map(Number);
    const k = (m - 1) + months;
    return MONTHS[k % 12] + " " + (y + Math.floor(k / 12));
  }
  function card(key, value, details, tone) {
    const c = D.cards[key];
    return '<div class="cs-card card-' + key + '" title="' + esc(c.help) + '">' +
      '<div class="cs-card-title">' + esc(c.title) + "</div>" +
      '<div class="cs-card-value status-' + key + " " + (tone || "") + '">' + esc(value) + "</div>" +
      details.map(d => '<div class="cs-card-detail">' + d + "</div>").join("") +
      '<div class="cs-help card-help">' + esc(c.help) + "</div></div>";
  }
  function joinNames(parts) {
    if (parts.length <= 1) return parts.join("");
    return parts.slice(0, -1).join(", ") + " and " + parts[parts.length - 1];
  }
  function designLine() {
    const a = world().asks[state.design];
    const label = D.designs.find(d => d.name === state.design);
    const parts = [["ground_troops", "troops"], ["aircraft", "combat aircraft"],
                   ["warships", "warships"]].filter(([k]) => a[k] > 0).map(([k, u]) => num(a[k]) + " " + u);
    const asks = parts.length ? "asks for " + esc(joinNames(parts)) + ", in place " + a.lead_time +
      " month" + (a.lead_time === 1 ? "" : "s") + " after a ceasefire" : "asks for no force of its own";
    return '<div class="design-line" title="' + esc(label.description) + '">Force design on the table: ' +
      '<b class="design-label">' + esc(label.label) + "</b> \u2014 " + asks + ".</div>";
  }
  function ceasefire(r, m) {
    if (m === 0) return ["Not yet", ["press Step or \u25b6 to start"], ""];
    const on = t => at(r, "ceasefire_in_force", t) > 0.5;
    const broken = at(r, "breakdowns", m);
    const talks = "this month: Russia " + pct(at(r, "willingness", m)) + " willing, Ukraine " +
      pct(at(r, "ukraine_accepts", m)) + " ready to accept";
    if (on(m)) {
      let since = m;
      while (since > 1 && on(since - 1)) since -= 1;
      const agreed = broken === 0 ? "agreed in month " + since :
        "a new one, agreed in month " + since + " (" + broken + " broken before)";
      return ["Holding", [esc(agreed), esc("chance Russia breaks it: " +
              pct(at(r, "violation_hazard", m)) + " a month")], "cs-good"];
    }
    if (broken > 0) {
      let last = m;
      while (last > 1 && at(r, "breakdowns", last - 1) === broken) last -= 1;
      const again = last + Math.round(world().renegotiate);
      const when = broken === 1 ? "Russia broke it in month " + last :
        "Russia broke " + broken + ", the last in month " + last;
      if (m < again) return ["Broken", [esc(when), esc("no new talks before month " + again)], "cs-bad"];
      return ["Broken", [esc(when), esc(talks)], "cs-bad"];
    }
    return ["None", ["no agreement yet", esc(talks)], ""];
  }
  function status(r, m) {
    const w = world(), ask = r.ask;
    const now = (k, dflt) => m > 0 ? at(r, k, m) : dflt;
    const pledged = now("pledged_troops", 0), deployed = now("deployed_troops", 0);
    let force;
    if (ask > 0) {
      const gap = now("enabler_gap", NaN);
      force = card("force", num(pledged), ["of " + num(ask) + " the design asks for",
        'deployed: <b class="status-deployed">' + num(deployed) + "</b>" +
        (isNaN(gap) ? "" : " \u00b7 enabler gap " + pct(gap))], pledged >= ask ? "cs-good" : "cs-bad");
    } else {
      force = card("force", "\u2014", ["the design asks for no ground troops"], "");
    }
    const det = now("deterrence", NaN);
    const detCard = card("deterrence", isNaN(det) ? "\u2014" : pct(det),
      isNaN(det) ? ["how strongly Russia is deterred"] :
        [pct(at(r, "expected_deterrence", m)) + " once the pledged force is in place"], "cs-blue");
    const [cv, cd, ct] = ceasefire(r, m);
    const us = m > 0 && at(r, "disengaged", m) > 0.5 ? card("us", "Walked away", ["intelligence only"], "cs-bad")
      : card("us", pct(now("us_perceived", w.us0)), ["air, intelligence, logistics"], "");
    const end = m >= w.horizon ? " (the end)" : "";
    return '<div class="cs-root cs-status-bar">' + designLine() + '<div class="cs-status">' +
      card("month", m + " of " + w.horizon, [esc(calendar(w.start, m) + end)], "") + force + detCard +
      card("ceasefire", cv, cd, ct) + us + "</div></div>";
  }

  // ------------------------------------------------------------------ map
  let tiles = [];
  function buildMap() {
    $("map").innerHTML = D.maps[state.world];
    tiles = [...document.querySelectorAll("#map .map-tile")].map(t => {
      const name = t.querySelector(".tile-name"), troops = t.querySelector(".tile-troops");
      const sq = t.querySelector(".tile-others i");
      return {el: t, name: t.dataset.name, code: t.dataset.code, troops,
              others: t.querySelector(".tile-others"),
              square: sq ? [sq.style.width, sq.style.height] : ["1cqw", "0.8cqw"], nameEl: name};
    });
    const title = document.querySelector("#map .map-panel > div");
    if (title) title.className = "map-title";
  }
  function modesOf(bits) { return D.modes.filter((m, i) => (bits >> i) & 1); }
  function pledgeText(name, modes, troops) {
    const parts = D.order.filter(m => modes.includes(m)).map(m =>
      m === "ground" && troops > 0 ? D.phrases[m] + " (" + num(troops) + ")" : D.phrases[m]);
    return name + ": " + (parts.length ? parts.join(", ") : "pledges nothing yet");
  }
  function drawMap(r, m) {
    let pledging = 0;
    const lines = [];
    tiles.forEach((t, s) => {
      const modes = modesOf(r.pledges[m][s]);
      if (modes.length) pledging += 1;
      const top = D.order.find(x => modes.includes(x)) || D.nothing;
      t.el.style.background = D.colours[top];
      t.el.style.color = D.ink[top];
      t.el.dataset.mode = top;
      const troops = r.troops[m][s];
      t.troops.textContent = (troops / 1000).toFixed(1) + "k";
      if (troops > 0) t.nameEl.after(t.troops); else t.troops.remove();
      const others = D.order.filter(x => modes.includes(x) && x !== top);
      if (others.length) t.el.appendChild(t.others); else t.others.remove();
      t.others.innerHTML = others.map(x => '<i style="width:' + t.square[0] + ";height:" + t.square[1] +
        ";background:" + D.colours[x] + '" title="' + esc(D.labels[x]) + '"></i>').join("");
      const text = pledgeText(t.name, modes, troops);
      t.el.title = text;
      lines.push('<li class="pledge-line"><span class="sw" style="background:' + D.colours[top] +
                 '"></span>' + esc(text) + "</li>");
    });
    const n = tiles.length;
    document.querySelector("#map .map-title").textContent = m ?
      "Month " + m + ": " + pledging + " of " + n + " states pledge something" :
      "Month 0: none of the " + n + " states has pledged yet";
    document.querySelector("#map .pledge-list").innerHTML = lines.join("");
  }

  // ------------------------------------------------------------------ log
  function drawLog(r, m) {
    const lines = r.log.filter(([t]) => t <= m).map(([, i]) => D.strings[i]).reverse();
    const body = lines.length ? lines.map(l => '<div class="event-line">' + esc(l) + "</div>").join("") :
      '<div class="event-empty">Nothing has happened yet. Press <b>Step</b> to move one month on, ' +
      "or \u25b6 to play.</div>";
    $("log").innerHTML = '<div class="cs-root cs-panel"><div class="log-title">What happened</div>' +
      "<div class=\"cs-help\">Each month's changes, newest first.</div>" +
      '<div class="event-log">' + body + "</div></div>";
  }

  // ------------------------------------------------------------------ charts
  const NS = "http://www.w3.org/2000/svg";
  function drawCharts(r, m) {
    const specs = D.charts[state.design], box = D.chart_box, H = world().horizon;
    const host = $("charts");
    if (host.dataset.design !== state.design) {
      host.innerHTML = specs.map(c => '<div class="cs-panel" title="' + esc(c.help) + '">' + c.svg +
        '<div class="cs-help">' + esc(c.help) + "</div></div>").join("");
      host.dataset.design = state.design;
    }
    const plotW = box.width - box.left - box.right;
    const sx = t => box.left + plotW * t / H;
    const span = t => [Math.max(box.left, sx(t - 0.5)), Math.min(box.width - box.right, sx(t + 0.5))];
    const f = v => (Math.round(v * 10) / 10).toString();
    specs.forEach((c, k) => {
      const svg = host.querySelectorAll("svg.cs-chart")[k];
      let g = svg.querySelector("g.ls-data");
      if (g) g.remove();
      g = document.createElementNS(NS, "g");
      g.setAttribute("class", "ls-data");
      let out = "";
      for (const p of c.panels) {
        const sy = v => p.top + box.panel_h * (1 - (v - p.lo) / ((p.hi - p.lo) || 1));
        if (p.shade) {
          for (let t = 1; t <= m; t += 1) {
            if (at(r, "ceasefire_in_force", t) > 0.5) {
              const [x0, x1] = span(t);
              out += '<rect class="chart-shade" x="' + f(x0) + '" y="' + p.top + '" width="' + f(x1 - x0) +
                '" height="' + box.panel_h + '" fill="#2E9E55" fill-opacity="0.28"/>';
            }
          }
        }
        for (const ln of p.lines) {
          const kept = [];
          for (let t = 1; t <= m; t += 1) {
            const v = at(r, ln.key, t);
            if (!isNaN(v)) kept.push([t, sy(Math.min(p.hi, Math.max(p.lo, v)))]);
          }
          if (!kept.length) continue;
          const pts = ln.steps ? kept.flatMap(([t, y]) => span(t).map(x => [x, y])) : kept.map(([t, y]) => [sx(t), y]);
          const path = pts.map(([x, y]) => f(x) + "," + f(y)).join(" ");
          if (ln.fill) {
            const base = f(sy(p.lo));
            out += '<polygon points="' + f(pts[0][0]) + "," + base + " " + path + " " +
              f(pts[pts.length - 1][0]) + "," + base + '" fill="' + ln.colour + '" fill-opacity="0.35"/>';
          }
          out += '<polyline class="line-' + ln.key + '" points="' + path + '" fill="none" stroke="' + ln.colour +
            '" stroke-width="' + ln.width + '" stroke-linejoin="round"' +
            (ln.dashed ? ' stroke-dasharray="10 6"' : "") + "/>";
          if (pts.length === 1) {
            out += '<circle cx="' + f(pts[0][0]) + '" cy="' + f(pts[0][1]) + '" r="4" fill="' + ln.colour + '"/>';
          }
        }
      }
      g.innerHTML = out;
      svg.appendChild(g);
    });
  }

  // ------------------------------------------------------------------ odds, controls, play
  function drawOdds(r) {
    const o = r.odds, n = D.odds_seeds;
    $("odds").innerHTML = "The same settings over " + n + " seeds (the dice): a ceasefire is agreed in <b>" +
      pct(o.ceasefire_agreed) + "</b> of runs, broken in <b>" + pct(o.broken) + "</b>, holding at the end in <b>" +
      pct(o.holds) + "</b>.";
  }
  function draw() {
    const r = run(), m = state.month;
    $("status").innerHTML = status(r, m);
    drawMap(r, m);
    drawLog(r, m);
    drawCharts(r, m);
    drawOdds(r);
    const over = m >= world().horizon;
    $("step").disabled = over || state.timer !== null;
    $("play").disabled = over;
    $("end").disabled = over;
    document.body.dataset.month = String(m);
  }
  function stop() {
    if (state.timer !== null) clearInterval(state.timer);
    state.timer = null;
    $("play").innerHTML = "&#9654;";
    $("play").title = "Play month after month";
  }
  function tick() {
    if (state.month >= world().horizon) { stop(); draw(); return; }
    state.month += 1;
    draw();
    if (state.month >= world().horizon) { stop(); draw(); }
  }
  function play() {
    if (state.timer !== null) { stop(); draw(); return; }
    state.timer = setInterval(tick, Number($("speed").value));
    $("play").innerHTML = "&#10074;&#10074;";
    $("play").title = "Pause";
    draw();
  }
  function sliderHtml(s, k) {
    const slug = s.key.replace(/[._]/g, "-");
    return '<div class="ls-slider control-' + slug + '"><div class="control-head" title="' + esc(s.help) + '">' +
      '<label class="control-label" for="slider-' + slug + '">' + esc(s.label) + "</label>" +
      '<span class="control-value" id="value-' + slug + '"></span></div>' +
      '<input type="range" id="slider-' + slug + '" data-key="' + esc(s.key) + '" min="0" max="' +
      (s.values.length - 1) + '" step="1" value="0" aria-label="' + esc(s.label) + '">' +
      '<div class="cs-help control-help">' + esc(s.help) + "</div></div>";
  }
  function syncControls() {
    D.sliders.forEach((s, k) => {
      const slug = s.key.replace(/[._]/g, "-");
      $("slider-" + slug).value = String(state.index[k]);
      $("value-" + slug).textContent = s.texts[state.index[k]];
    });
    document.querySelectorAll("#world input, #design input").forEach(i => {
      i.checked = i.value === (i.name === "world" ? state.world : state.design);
    });
    $("world-help").textContent = world().description;
    $("design-help").textContent = D.designs.find(d => d.name === state.design).description;
  }
  function worldDefaults() {
    state.design = world().design;
    state.index = D.sliders.map(s => {
      const v = world().defaults[s.key];
      let best = 0;
      s.values.forEach((x, i) => { if (Math.abs(x - v) < Math.abs(s.values[best] - v)) best = i; });
      return best;
    });
  }
  function init() {
    const radio = (name, value, label) => '<label><input type="radio" name="' + name + '" value="' +
      esc(value) + '"><span>' + esc(label) + "</span></label>";
    $("world").insertAdjacentHTML("beforeend", Object.entries(D.worlds).map(([k, w]) =>
      radio("world", k, w.title)).join(""));
    $("design").insertAdjacentHTML("beforeend", D.designs.map(d => radio("design", d.name, d.label)).join(""));
    $("sliders").innerHTML = D.sliders.map(sliderHtml).join("");
    worldDefaults();
    buildMap();
    $("world").addEventListener("change", e => {
      if (e.target.name !== "world") return;
      state.world = e.target.value; worldDefaults(); buildMap(); $("charts").dataset.design = "";
      syncControls(); draw();
    });
    $("design").addEventListener("change", e => {
      if (e.target.name !== "design") return;
      state.design = e.target.value; syncControls(); draw();
    });
    D.sliders.forEach((s, k) => {
      $("slider-" + s.key.replace(/[._]/g, "-")).addEventListener("input", e => {
        state.index[k] = Number(e.target.value); syncControls(); draw();
      });
    });
    $("reset").addEventListener("click", () => { stop(); state.month = 0; draw(); });
    $("step").addEventListener("click", () => { if (state.month < world().horizon) { state.month += 1; draw(); } });
    $("end").addEventListener("click", () => { stop(); state.month = world().horizon; draw(); });
    $("play").addEventListener("click", play);
    $("speed").addEventListener("change", () => { if (state.timer !== null) { stop(); play(); } });
    syncControls();
    draw();
  }
  // For tests and curious teachers: what is shown, as numbers.
  window.lesson = {setting, month: () => state.month, run: () => run()};
  init();
}());
