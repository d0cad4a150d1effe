// The live page of one run: at /r/<slug> it fetches <slug>/run.json (/r/<slug>/run.json) every 30 s and draws
// it; at an old address (the server's root) it fetches api/run.json, the newest run. All user text goes in with
// textContent; the map and the chart are inline SVG, so nothing here needs the internet. Addresses are relative,
// so the page works behind a proxy's path prefix too.
(function () {
  "use strict";

  var REFRESH_MS = 30000;
  var RUN_PATH = /\/r\/([a-z0-9-]{3,32})\/?$/;
  var runPath = RUN_PATH.exec(location.pathname);
  var ROOT = runPath ? "../" : "";  // the server's root, relative to this page
  var JSON_URL = runPath ? runPath[1] + "/run.json" : "api/run.json";
  var SVG = "http://www.w3.org/2000/svg";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var state = { data: null, fetchedAt: 0, initData: "", timer: null, loads: 0 };

  // ---- formatting (the bot's rules: at most one decimal, no trailing .0) ----
  function km(m) {
    return String(Math.round(m / 100) / 10) + " km";
  }
  function pct(part, whole) {
    return whole > 0 ? String(Math.round((part * 1000) / whole) / 10) + "%" : "–";
  }
  function dayText(iso) {
    var p = iso.split("-");
    return Number(p[2]) + " " + MONTHS[Number(p[1]) - 1] + " " + p[0];
  }
  function zoneName(zone, at) {
    var locales = ["en-IN", "en-GB", "en-US"];
    var fallback = "";
    for (var i = 0; i < locales.length; i++) {
      try {
        var parts = new Intl.DateTimeFormat(locales[i], { timeZone: zone, timeZoneName: "short" }).formatToParts(at);
        for (var j = 0; j < parts.length; j++) {
          if (parts[j].type === "timeZoneName") {
            if (!/^(GMT|UTC)/.test(parts[j].value)) return parts[j].value;
            fallback = fallback || parts[j].value;
          }
        }
      } catch (e) {
        return "UTC";
      }
    }
    return fallback;
  }
  function localParts(at, zone) {
    var f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23",
    });
    var out = {};
    f.formatToParts(at).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  function clock(at, zone) {
    var p = localParts(at, zone);
    return p.hour + ":" + p.minute + " " + zoneName(zone, at);
  }
  function localDate(at, zone) {
    var p = localParts(at, zone);
    return p.year + "-" + p.month + "-" + p.day;
  }
  function ago(ms) {
    var minutes = Math.max(Math.floor(ms / 60000), 0);
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min ago";
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + " h " + (minutes % 60 ? (minutes % 60) + " min " : "") + "ago";
    return Math.floor(hours / 24) + " days ago";
  }
  // The server's clock, not the phone's: "12 min ago" is honest even on a phone set wrong.
  function serverNow() {
    return new Date(Date.parse(state.data.generated_at) + (Date.now() - state.fetchedAt));
  }
  function asOf(iso, zone) {
    var at = new Date(iso);
    var now = serverNow();
    var when = clock(at, zone);
    if (localDate(at, zone) !== localDate(now, zone)) {
      var d = localParts(at, zone);
      when = Number(d.day) + " " + MONTHS[Number(d.month) - 1] + " " + when;
    }
    return "as of " + when + ", " + ago(now - at);
  }

  // ---- DOM helpers ----
  function $(id) { return document.getElementById(id); }
  function text(id, value) { $(id).textContent = value; }
  function el(tag, cls, value) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (value !== undefined && value !== null) node.textContent = value;
    return node;
  }
  function svg(tag, attrs, parent) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function setBar(bar, share) {
    var value = Math.max(Math.min(share, 1), 0) * 100;
    bar.querySelector(".fill").style.width = value.toFixed(1) + "%";
    bar.setAttribute("aria-valuenow", value.toFixed(1));
  }

  // ---- sections ----
  function renderHeader(d) {
    var run = d.run, p = d.progress;
    document.title = run.title + " · live";
    text("title", run.title);
    text("places", run.start_place + " → " + run.end_place + " · " + dayText(run.start) + " – " + dayText(run.end));
    var day;
    if (run.stage === "not_started") day = "Starts on " + dayText(run.start);
    else if (run.stage === "ended") day = "Ended · " + p.days_total + " days planned";
    else day = "Day " + p.day + " of " + p.days_total + (run.stage === "finished" ? " · distance covered!" : "");
    text("day", day);
  }

  function renderProgress(d) {
    var p = d.progress, run = d.run;
    text("figures", km(p.covered_m) + " of " + km(run.distance_m));
    setBar($("bar"), p.covered_m / run.distance_m);
    var ended = run.stage === "ended";
    var left = p.remaining_m > 0 ? km(p.remaining_m) + (ended ? " short of the plan" : " to go") : "distance covered";
    text("share", pct(p.covered_m, run.distance_m) + " · " + left);
    var plan = $("plan");
    plan.className = "plan";
    // Once the run has ended there is no "today" to be behind by, nothing needed, no finish to project.
    if (run.stage === "not_started" || ended) plan.textContent = "";
    else if (p.behind_m > 0) {
      plan.textContent = "Behind plan by " + km(p.behind_m) + " (plan: " + km(p.planned_m) + " by today)";
      plan.className = "plan behind";
    } else if (p.ahead_m > 0) {
      plan.textContent = "Ahead of plan by " + km(p.ahead_m) + " (plan: " + km(p.planned_m) + " by today)";
      plan.className = "plan ahead";
    } else plan.textContent = "On plan (" + km(p.planned_m) + " by today)";
    text("average", p.average_m_per_day ? km(p.average_m_per_day) : "–");
    text("needed", p.remaining_m > 0 && run.stage !== "ended" ? km(p.needed_m_per_day) : "–");
    text("finish", p.projected_finish && !ended ? dayText(p.projected_finish) : "–");
    var beside = (d.companions || []).filter(function (c) { return c.covered_m > 0; })
      .map(function (c) { return c.name + " " + km(c.covered_m); });
    text("companions", beside.length ? "🤝 Beside the route: " + beside.join(", ") + " (not added)" : "");
  }

  function renderViewer(d) {
    var v = d.viewer, box = $("you");
    if (!v) { box.hidden = true; return; }
    box.hidden = false;
    if (!v.pledged_m) {
      text("you-line", "You have not pledged yet: send /pledge to the bot.");
      setBar($("you-bar"), 0);
      return;
    }
    var left = Math.max(v.pledged_m - v.logged_m, 0);
    var line = km(v.logged_m) + " of " + km(v.pledged_m) + " · " + pct(v.logged_m, v.pledged_m) +
      (left ? ", " + km(left) + " to go" : ", done!");
    if (v.hidden) line += " · hidden from the board";
    text("you-line", line);
    setBar($("you-bar"), v.logged_m / v.pledged_m);
  }

  function project(points, width, height, pad) {
    var lats = points.map(function (p) { return p[0]; }), lons = points.map(function (p) { return p[1]; });
    var minLat = Math.min.apply(null, lats), maxLat = Math.max.apply(null, lats);
    var minLon = Math.min.apply(null, lons), maxLon = Math.max.apply(null, lons);
    var k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);  // equirectangular, true at mid-latitude
    var spanX = Math.max((maxLon - minLon) * k, 0.01), spanY = Math.max(maxLat - minLat, 0.01);
    var scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
    var offX = (width - spanX * scale) / 2, offY = (height - spanY * scale) / 2;
    return function (lat, lon) {
      return [offX + (lon - minLon) * k * scale, height - offY - (lat - minLat) * scale];
    };
  }
  function pathOf(points, xy) {
    return points.map(function (p, i) {
      var q = xy(p[0], p[1]);
      return (i ? "L" : "M") + q[0].toFixed(1) + " " + q[1].toFixed(1);
    }).join(" ");
  }

  function renderMap(d) {
    var map = $("map");
    clear(map);
    var w = map.clientWidth || 360, h = map.clientHeight || 380;
    map.setAttribute("viewBox", "0 0 " + w + " " + h);
    var route = d.route || [], track = d.track || [], checkpoints = d.checkpoints || [], pos = d.position;
    var all = route.concat(track).concat(checkpoints.map(function (c) { return [c.lat, c.lon]; }));
    if (pos) all.push([pos.lat, pos.lon]);
    $("route-key").hidden = route.length < 2;  // no key for a route the map does not draw
    if (!all.length) {
      svg("text", { x: w / 2, y: h / 2, "text-anchor": "middle" }, map).textContent = "No route or position yet";
    } else {
      var xy = project(all, w, h, 28);
      if (route.length > 1) svg("path", { d: pathOf(route, xy), "class": "route" }, map);
      if (track.length > 1) svg("path", { d: pathOf(track, xy), "class": "track", id: "track" }, map);
      var placed = [];
      checkpoints.forEach(function (c) {
        var q = xy(c.lat, c.lon);
        svg("circle", { cx: q[0], cy: q[1], r: 5, "class": "checkpoint" + (c.passed_day ? " passed" : "") }, map);
        // A label goes right of its dot, else left, else nowhere: labels never cover each other.
        var width = c.name.length * 7 + 4;
        var spots = [[q[0] + 9, q[0] + 9 + width, "start"], [q[0] - 9 - width, q[0] - 9, "end"]];
        for (var i = 0; i < spots.length; i++) {
          var box = { x1: spots[i][0], x2: spots[i][1], y1: q[1] - 10, y2: q[1] + 6 };
          var free = box.x1 >= 0 && box.x2 <= w && placed.every(function (b) {
            return box.x2 < b.x1 || box.x1 > b.x2 || box.y2 < b.y1 || box.y1 > b.y2;
          });
          if (free) {
            var x = spots[i][2] === "start" ? box.x1 : box.x2;
            svg("text", { x: x, y: q[1] + 4, "text-anchor": spots[i][2] }, map).textContent = c.name;
            placed.push(box);
            break;
          }
        }
      });
      if (pos) {
        var q = xy(pos.lat, pos.lon);
        svg("circle", { cx: q[0], cy: q[1], r: pos.precision === "coarse" ? 18 : 12, "class": "halo" }, map);
        svg("circle", { cx: q[0], cy: q[1], r: 7, "class": "here", id: "here" }, map);
      }
    }
    var line = $("position");
    clear(line);
    var policy = d.position_policy || "live";
    if (policy === "hide") {
      line.textContent = "The runner's position is not shown publicly.";
    } else if (!pos) {
      line.textContent = "No position shared yet.";
    } else {
      line.appendChild(document.createTextNode("📍 " + pos.runner + " " + asOf(pos.at, d.run.time_zone)));
      var notes = [];
      if (policy.indexOf("delay") === 0) notes.push("shown " + policy.split(" ")[1] + " min late for the runner's safety");
      if (pos.precision === "coarse") notes.push("approximate, to about 10 km");
      if (notes.length) line.appendChild(el("span", "muted", " (" + notes.join("; ") + ")"));
      if (pos.precision !== "coarse") {
        var a = el("a", null, "open in OpenStreetMap");
        a.href = "https://www.openstreetmap.org/?mlat=" + pos.lat.toFixed(5) + "&mlon=" + pos.lon.toFixed(5) + "#map=13";
        a.target = "_blank";
        a.rel = "noopener";
        line.appendChild(document.createTextNode(" · "));
        line.appendChild(a);
      }
    }
  }

  function niceStep(max, ticks) {
    var raw = max / ticks, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * mag >= raw) return steps[i] * mag;
    return 10 * mag;
  }

  function renderChart(d) {
    var chart = $("chart");
    clear(chart);
    var w = chart.clientWidth || 360, h = chart.clientHeight || 300;
    chart.setAttribute("viewBox", "0 0 " + w + " " + h);
    var days = d.days || [];
    if (!days.length) return;
    var left = 40, right = 10, gap = 34, bottom = 22;
    var topH = Math.round((h - gap - bottom) * 0.58), barsTop = topH + gap, barsH = h - bottom - barsTop;
    var slot = (w - left - right) / days.length;
    function x(i) { return left + slot * (i + 0.5); }

    // Top: cumulative km against the plan.
    var total = d.run.distance_m / 1000;
    var step = niceStep(total, 4);
    for (var t = 0; t <= total + 1e-9; t += step) {
      var gy = 6 + (topH - 6) * (1 - t / total);
      svg("line", { x1: left, x2: w - right, y1: gy, y2: gy, "class": "grid" }, chart);
      svg("text", { x: left - 6, y: gy + 4, "text-anchor": "end" }, chart).textContent = String(t);
    }
    function cy(m) { return 6 + (topH - 6) * (1 - m / d.run.distance_m); }
    var plan = "M" + left + " " + cy(0), covered = "M" + left + " " + cy(0), sum = 0, last = null;
    days.forEach(function (day, i) {
      plan += " L" + (left + slot * (i + 1)).toFixed(1) + " " + cy(day.planned_m).toFixed(1);
      if (day.lead_m !== null && day.lead_m !== undefined) {
        sum += day.lead_m;
        last = [left + slot * (i + 1), cy(Math.min(sum, d.run.distance_m))];
        covered += " L" + last[0].toFixed(1) + " " + last[1].toFixed(1);
      }
    });
    svg("path", { d: plan, "class": "planned" }, chart);
    if (last) {
      svg("path", { d: covered, "class": "covered", id: "covered" }, chart);
      svg("circle", { cx: last[0], cy: last[1], r: 4, "class": "point" }, chart);
    }
    svg("text", { x: left + 4, y: 16 }, chart).textContent = "km in all";

    // Bottom: km per day.
    var perDay = days.map(function (day) { return day.lead_m || 0; });
    var maxDay = Math.max.apply(null, perDay.concat([d.run.distance_m / days.length])) / 1000;
    var dayStep = niceStep(maxDay, 2);
    var top = Math.ceil(maxDay / dayStep) * dayStep;
    for (var v = 0; v <= top + 1e-9; v += dayStep) {
      var by = barsTop + barsH * (1 - v / top);
      svg("line", { x1: left, x2: w - right, y1: by, y2: by, "class": "grid" }, chart);
      svg("text", { x: left - 6, y: by + 4, "text-anchor": "end" }, chart).textContent = String(v);
    }
    var bw = Math.max(Math.min(slot * 0.62, 46), 4);
    days.forEach(function (day, i) {
      var km_ = (day.lead_m || 0) / 1000;
      if (day.lead_m) {
        var bh = barsH * (km_ / top);
        var bar = svg("rect", { x: x(i) - bw / 2, y: barsTop + barsH - bh, width: bw, height: bh, rx: 3, "class": "daybar" }, chart);
        svg("title", {}, bar).textContent = "Day " + day.day + ": " + km(day.lead_m);
        if (slot > 30) {
          svg("text", { x: x(i), y: barsTop + barsH - bh - 4, "text-anchor": "middle" }, chart).textContent =
            String(Math.round(day.lead_m / 100) / 10);
        }
      }
      var label = svg("text", { x: x(i), y: h - 6, "text-anchor": "middle" }, chart);
      label.textContent = slot > 44 ? dayText(day.date).replace(/ \d{4}$/, "") : String(day.day);
    });
  }

  function renderUpdates(d) {
    var list = $("updates");
    clear(list);
    var updates = d.updates || [];
    if (!updates.length) {
      list.appendChild(el("li", "muted", "No update yet."));
      return;
    }
    updates.forEach(function (u) {
      var li = el("li");
      var head = el("div", "head");
      var who = el("span");
      who.appendChild(el("span", "who", u.runner));
      if (u.role === "companion") who.appendChild(el("span", "badge", "🤝 companion"));
      head.appendChild(who);
      head.appendChild(el("span", null, "Day " + u.day + " · " + clock(new Date(u.at), d.run.time_zone)));
      li.appendChild(head);
      if (u.distance_m !== null) li.appendChild(el("div", "km", km(u.distance_m)));  // null: coarse keeps it private
      if (u.note) li.appendChild(el("p", "note", u.note));
      if (u.photo) {
        var link = el("a");
        link.href = ROOT + "photos/" + encodeURIComponent(u.photo);
        link.target = "_blank";
        var img = el("img");
        img.src = link.href;
        img.loading = "lazy";
        img.alt = "Photo from " + u.runner + ", day " + u.day;
        link.appendChild(img);
        li.appendChild(link);
      }
      list.appendChild(li);
    });
  }

  function renderSupporters(d) {
    var s = d.supporters;
    var board = $("board");
    clear(board);
    if (!s || !s.count) {
      text("supporters", "No pledge yet: send /pledge to the bot to commit to a share of the run.");
      return;
    }
    text("supporters", s.count + (s.count === 1 ? " supporter" : " supporters") + " · " + km(s.pledged_m) +
      " pledged · " + km(s.logged_m) + " logged");
    (s.board || []).forEach(function (b, i) {
      var li = el("li");
      li.appendChild(el("span", "rank", String(i + 1) + "."));
      li.appendChild(el("span", "name", b.name));
      li.appendChild(el("span", "muted", km(b.logged_m) + " of " + km(b.pledged_m)));
      var bar = el("div", "bar small");
      bar.appendChild(el("div", "fill"));
      setBar(bar, b.pledged_m ? b.logged_m / b.pledged_m : 0);
      li.appendChild(bar);
      board.appendChild(li);
    });
  }

  function render() {
    var d = state.data;
    if (!d) return;
    renderHeader(d);
    renderViewer(d);
    renderProgress(d);
    renderMap(d);
    renderChart(d);
    renderUpdates(d);
    renderSupporters(d);
    text("status", "Figures " + asOf(d.generated_at, d.run.time_zone) + " · refreshed every 30 s");
    document.body.setAttribute("data-version", d.version || "");
  }

  function refresh() {
    var headers = {};
    // Telegram's signed init data in a header, never in the URL: proxies log URLs (the server refuses it there).
    if (state.initData) headers["X-Telegram-Init-Data"] = state.initData;
    return fetch(JSON_URL, { headers: headers, cache: "no-cache" })
      .then(function (response) {
        if (response.status === 404) {
          text("title", runPath ? "No run at this address" : "No run at the moment");
          text("status", "Nothing to show yet; this page refreshes by itself.");
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        state.data = data;
        state.fetchedAt = Date.now();
        state.loads += 1;
        render();
        document.body.setAttribute("data-loads", String(state.loads));
      })
      .catch(function () {
        text("status", state.data ? "Could not refresh; showing the figures from before. Retrying…"
          : "Could not load the figures. Retrying…");
      });
  }

  // ---- inside Telegram: its script only when Telegram opened the page ----
  // Telegram's theme: the page's background is Telegram's secondary background, cards its section colour.
  var THEME = [
    ["--bg", "secondary_bg_color", "bg_color"], ["--card", "section_bg_color", "bg_color"],
    ["--text", "text_color"], ["--hint", "hint_color"], ["--link", "link_color"],
    ["--accent", "button_color"], ["--accent-text", "button_text_color"],
  ];
  function applyTheme(theme) {
    THEME.forEach(function (entry) {
      for (var i = 1; i < entry.length; i++) {
        var colour = theme && theme[entry[i]];
        if (/^#[0-9a-fA-F]{3,8}$/.test(colour || "")) {
          document.documentElement.style.setProperty(entry[0], colour);
          return;
        }
      }
    });
    // Grid lines and empty bars: the hint colour, faint, so they suit a dark theme as well as a light one.
    if (theme && /^#[0-9a-fA-F]{6}$/.test(theme.hint_color || "")) {
      document.documentElement.style.setProperty("--line", theme.hint_color + "40");
    }
  }
  function startTelegram() {
    if (location.hash.indexOf("tgWebAppData") < 0) return;
    // Back to the index inside the Mini App: Telegram's launch data goes along (a fragment: never sent).
    var back = $("all-runs");
    if (back) back.href = back.getAttribute("href") + location.hash;
    var script = document.createElement("script");
    script.src = "https://telegram.org/js/telegram-web-app.js";
    script.onload = function () {
      var app = window.Telegram && window.Telegram.WebApp;
      if (!app) return;
      app.ready();
      app.expand();
      applyTheme(app.themeParams);
      app.onEvent("themeChanged", function () { applyTheme(app.themeParams); render(); });
      state.initData = app.initData || "";
      if (state.initData) refresh();
    };
    document.head.appendChild(script);
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (state.data) { renderMap(state.data); renderChart(state.data); } }, 150);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  startTelegram();
  refresh();
  state.timer = setInterval(refresh, REFRESH_MS);
})();
