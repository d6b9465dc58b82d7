// Dashboard: reads only the public JSON API of this server and draws SVG by hand.
// State (edition, year, threshold, ally) lives in the URL query so a view can be shared.
"use strict";

(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const COLOURS = {
    ink: "#1a1a1a", muted: "#4d4d4d", grid: "#d9d9d9",
    meets: "#1f4e9c", below: "#b25000", threshold: "#b00020",
  };
  // Okabe-Ito based, darkened for 3:1 on white; one colour per edition.
  const PALETTE = ["#0060a8", "#c05a00", "#007a5e", "#a3307a", "#5b4a00", "#4b3c9e", "#8a2d2d",
    "#2f6b2f", "#5f5f5f"];
  const DEFAULTS = { edition: "", year: "", threshold: "2", ally: "USA" };
  // Until the API says which years it has (init reads them from the compliance history).
  const YEARS = { first: 2012, last: 2026 };

  const $ = (id) => document.getElementById(id);
  const state = Object.assign({}, DEFAULTS);
  let editions = [];
  let requestSerial = 0;

  // ---- URL state ------------------------------------------------------------------------

  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    for (const key of Object.keys(DEFAULTS)) {
      const value = params.get(key);
      if (value !== null && value !== "") state[key] = value;
    }
  }

  function writeUrl() {
    const params = new URLSearchParams();
    for (const key of Object.keys(DEFAULTS)) {
      if (state[key] !== "" && state[key] !== DEFAULTS[key]) params.set(key, state[key]);
    }
    const query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  // ---- API ------------------------------------------------------------------------------

  function apiUrl(path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
    }
    const text = query.toString();
    return path + (text ? "?" + text : "");
  }

  async function getJson(path, params) {
    const url = apiUrl(path, params);
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      body = null;
    }
    if (!response.ok) {
      const detail = body && body.detail ? body.detail : response.status + " " + response.statusText;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  async function getText(path, params) {
    const response = await fetch(apiUrl(path, params));
    if (!response.ok) throw new Error(response.status + " " + response.statusText);
    return response.text();
  }

  async function getAll(path, params) {
    // Follow `next` links of a paginated list (bounded: the data set is small).
    const first = await getJson(path, Object.assign({ limit: 1000 }, params));
    const items = (first && first.items) || [];
    let next = first && first.next;
    for (let page = 0; next && page < 20; page += 1) {
      const more = await getJson(next);
      items.push(...((more && more.items) || []));
      next = more && more.next;
    }
    return items;
  }

  // ---- formatting -----------------------------------------------------------------------

  function shortValue(text, meets, threshold) {
    // Labels show 2 decimals; the exact published text stays when shortening would hide the
    // comparison with the threshold (the API decided `meets` exactly).
    if (text === null || text === undefined) return "no data";
    const parts = String(text).split(".");
    if (parts.length < 2 || parts[1].length <= 2) return String(text);
    const shown = Number(text).toFixed(2);
    if (meets !== null && meets !== undefined && (Number(shown) >= threshold) !== meets) {
      return String(text);
    }
    return shown;
  }

  function groupDigits(text) {
    if (text === null || text === undefined) return "";
    const [whole, frac] = String(text).split(".");
    const sign = whole.startsWith("-") ? "-" : "";
    const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + digits + (frac ? "." + frac : "");
  }

  function compactNumber(text) {
    if (text === null || text === undefined || text === "") return "";
    const number = Number(text);
    if (!Number.isFinite(number)) return String(text);
    return groupDigits(Math.abs(number) >= 1000 ? number.toFixed(0) : String(text));
  }

  function niceTicks(low, high, count) {
    if (!(high > low)) high = low + 1;
    const raw = (high - low) / (count || 5);
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    const ticks = [];
    for (let t = Math.floor(low / step) * step; t < high + step * 0.999; t += step) {
      ticks.push(Math.round(t * 1e6) / 1e6);
    }
    return ticks;
  }

  // ---- SVG helpers ----------------------------------------------------------------------

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, String(value));
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svgRoot(width, height, title, desc, id) {
    const svg = el("svg", {
      xmlns: SVG_NS, viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-labelledby": id + "-t " + id + "-d",
      "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
      "font-size": 13, fill: COLOURS.ink,
    });
    svg.appendChild(el("title", { id: id + "-t" }, title));
    svg.appendChild(el("desc", { id: id + "-d" }, desc));
    return svg;
  }

  function chartWidth(container) {
    return Math.max(300, Math.floor(container.clientWidth || 640));
  }

  function replace(container, node) {
    while (container.firstChild) container.removeChild(container.firstChild);
    if (node) container.appendChild(node);
  }

  function message(container, text) {
    const p = document.createElement("p");
    p.className = "no-data";
    p.textContent = text;
    replace(container, p);
  }

  // ---- ranked chart ---------------------------------------------------------------------

  function drawRanked(data, threshold) {
    const container = $("ranked-chart");
    const items = (data && data.items) || [];
    const withData = items.filter((i) => i.value !== null && i.value !== undefined);
    const noData = items.filter((i) => i.value === null || i.value === undefined);
    withData.sort((a, b) => b.value - a.value || String(a.name).localeCompare(b.name));
    noData.sort((a, b) => String(a.name).localeCompare(b.name));
    const rows = withData.concat(noData);
    const width = chartWidth(container);
    const narrow = width < 520;
    const left = narrow ? 118 : 150;
    const right = narrow ? 56 : 70;
    const top = 26;
    const rowH = narrow ? 20 : 22;
    const plotW = width - left - right;
    const height = top + rows.length * rowH + 44;
    const maxValue = Math.max(threshold, ...withData.map((i) => i.value), 0);
    const minValue = Math.min(0, ...withData.map((i) => i.value));
    const ticks = niceTicks(minValue, maxValue * 1.02, narrow ? 4 : 6);
    const lo = ticks[0];
    const hi = ticks[ticks.length - 1];
    const x = (v) => left + ((v - lo) / (hi - lo)) * plotW;
    const meeting = withData.filter((i) => i.meets === true).length;
    const title = "Defence expenditure as share of GDP, " + data.year;
    const desc = meeting + " of " + withData.length + " allies with a figure are at or above " +
      threshold + "% of GDP; no data: " + (noData.map((i) => i.name).join(", ") || "none") + ".";
    const svg = svgRoot(width, height, title, desc, "ranked");
    svg.appendChild(el("rect", { width: width, height: height, fill: "#ffffff" }));
    const axis = el("g", { class: "axis" });
    for (const tick of ticks) {
      axis.appendChild(el("line", {
        x1: x(tick), x2: x(tick), y1: top, y2: top + rows.length * rowH, stroke: COLOURS.grid,
      }));
      axis.appendChild(el("text", {
        x: x(tick), y: top + rows.length * rowH + 16, "text-anchor": "middle", fill: COLOURS.muted,
      }, tick));
    }
    axis.appendChild(el("text", {
      x: left + plotW / 2, y: top + rows.length * rowH + 36, "text-anchor": "middle",
      class: "axis-label",
    }, "Defence expenditure (% of GDP)"));
    svg.appendChild(axis);
    const tx = x(threshold);
    svg.appendChild(el("line", {
      x1: tx, x2: tx, y1: top - 8, y2: top + rows.length * rowH, stroke: COLOURS.threshold,
      "stroke-width": 2, "stroke-dasharray": "6 3", class: "threshold",
    }));
    svg.appendChild(el("text", {
      x: tx + 4, y: top - 10, fill: COLOURS.threshold, "font-weight": "bold",
    }, threshold + "% of GDP"));
    rows.forEach((item, index) => {
      const y = top + index * rowH;
      const cy = y + rowH / 2 + 4;
      const hasValue = item.value !== null && item.value !== undefined;
      const g = el("g", {
        class: hasValue ? "bar" : "bar no-data-row", "data-ally": item.ally,
        "data-value": hasValue ? item.value_text : null, "data-edition": item.edition,
      });
      g.appendChild(el("text", {
        x: left - 6, y: cy, "text-anchor": "end", "font-size": narrow ? 12 : 13,
      }, item.name));
      if (!hasValue) {
        g.appendChild(el("title", {}, item.name + ": no data (missing, not zero)" +
          (item.reason ? ". " + item.reason : "")));
        g.appendChild(el("text", {
          x: x(0) + 6, y: cy, fill: COLOURS.muted, "font-style": "italic", class: "no-data",
        }, "no data"));
      } else {
        const x0 = Math.min(x(0), x(item.value));
        const x1 = Math.max(x(0), x(item.value));
        const status = item.meets ? "at or above" : "below";
        g.appendChild(el("title", {}, item.name + ": " + item.value_text + "% of GDP, " + status +
          " " + threshold + "% (edition " + item.edition + (item.is_estimate ? ", estimate" : "") +
          ", source " + item.source + ")"));
        g.appendChild(el("rect", {
          x: x0, y: y + 3, width: Math.max(x1 - x0, 1), height: rowH - 6,
          fill: item.meets ? COLOURS.meets : COLOURS.below,
        }));
        g.appendChild(el("text", {
          x: x1 + 4, y: cy, class: "value", stroke: "#ffffff", "stroke-width": 3,
          "paint-order": "stroke",
        },
          shortValue(item.value_text, item.meets, threshold) + (item.is_estimate ? " e" : "")));
      }
      svg.appendChild(g);
    });
    replace(container, svg);

    const summary = data.summary || {};
    $("ranked-summary").textContent = (summary.meeting !== undefined ? summary.meeting : meeting) +
      " allies at or above " + threshold + "% of GDP in " + data.year + " (" +
      figuresCounted(withData) + "), " +
      (summary.below !== undefined ? summary.below : withData.length - meeting) + " below, " +
      (summary.no_data !== undefined ? summary.no_data : noData.length) + " without a figure." +
      publishedCounts(data);
    const usedEditions = data.editions || [...new Set(withData.map((i) => i.edition))].sort();
    const sources = [...new Set(withData.map((i) => i.source).filter(Boolean))].sort();
    $("ranked-caption").textContent = "Blue: at or above the threshold; orange: below; " +
      "\u201ce\u201d marks an estimate. Edition(s): " + (usedEditions.join(", ") || "none") +
      ". Source(s): " + (sources.join(", ") || "none") + ". Labels shortened to 2 decimals.";
    const tbody = $("ranked-table").querySelector("tbody");
    replace(tbody, null);
    for (const item of rows) {
      const tr = document.createElement("tr");
      const hasValue = item.value !== null && item.value !== undefined;
      const cells = [
        item.name,
        hasValue ? item.value_text + (item.is_estimate ? " (estimate)" : "") : "no data",
        hasValue ? (item.meets ? "at or above" : "below") : "no data",
        item.edition || "",
        item.source || "",
      ];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 1) td.className = hasValue ? "num" : "num no-data";
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
  }

  const DEFINITIONS = {
    core_defence_expenditure: "core defence expenditure",
    nato_defence_expenditure: "NATO's pre-2025 definition",
  };

  function definitionName(id) {
    return DEFINITIONS[id] || id || "definition not stated";
  }

  // What the counted figures measure: each definition with its edition(s).
  function figuresCounted(items) {
    const byDefinition = {};
    for (const item of items) {
      const key = item.expenditure_definition || "";
      (byDefinition[key] = byDefinition[key] || new Set()).add(item.edition);
    }
    const parts = Object.keys(byDefinition).sort().map((key) =>
      definitionName(key) + ", edition " + [...byDefinition[key]].sort().join(", "));
    return parts.length ? "figures: " + parts.join("; ") : "no figures";
  }

  // NATO's published count for the year (aggregates ALLIES), beside the computed one.
  function publishedCounts(data) {
    const counts = ((data && data.published_counts) || []).filter((c) => c.value_text !== null &&
      c.indicator === "count_allies_2pct");
    if (!counts.length) return "";
    const byId = {};
    for (const e of editions) byId[e.id] = e;
    return " Published count for " + data.year + ": " + counts.map((c) => c.value_text + " (edition " +
      c.edition + ", " + definitionName((byId[c.edition] || {}).expenditure_definition) + "; " +
      c.source + ")").join(", ") + ".";
  }

  // ---- road to 2035 -----------------------------------------------------------------------

  const STATUS_WORDS = {
    met: "met", on_track: "on track", off_track: "off track",
    insufficient_data: "insufficient data", no_data: "no data",
  };

  function drawRoad(data) {
    const s = (data && data.summary) || {};
    const names = {};
    for (const item of (data && data.items) || []) names[item.ally] = item.name;
    const off = (s.off_track_allies || []).map((a) => names[a] || a);
    const counts = Object.keys(STATUS_WORDS).map((k) => (s[k] || 0) + " " + STATUS_WORDS[k]);
    $("road-summary").textContent = "Target " + data.rule.target_text + "% of GDP by " +
      data.rule.by + ": " + counts.join(", ") + ". Off track: " + (off.join(", ") || "none") +
      ". Figures: " + (s.expenditure_definitions || []).map(definitionName).join("; ") +
      ", edition " + (s.editions || []).join(", ") + ".";
    $("road-caption").textContent = "Grey bar: the increase of share of GDP needed each year " +
      "to reach the target by the deadline; dot: the pace of the last " + data.rule.pace_years +
      " years (orange: off track). Computed in exact decimals; see the JSON for every rule.";
    const ally = ((data && data.items) || []).find((i) => i.ally === state.ally);
    $("road-ally-caption").textContent = ally ? ally.name + ": " + STATUS_WORDS[ally.status] +
      (ally.latest_value_text ? " (" + ally.latest_value_text + "% of GDP in " + ally.latest_year +
        ", edition " + ally.edition + ")" : "") + ". Dashed lines are computed, not published." : "";
    $("road-chart").alt = $("road-summary").textContent;
    $("road-ally-chart").alt = $("road-ally-caption").textContent;
  }

  async function loadRoad(serial) {
    const params = editionParams();
    try {
      const data = await getJson("/v1/pathways", params);
      if (serial !== requestSerial) return;
      drawRoad(data);
    } catch (err) {
      if (serial !== requestSerial) return;
      $("road-summary").textContent = "Pathways could not be loaded: " + err.message;
    }
    $("road-chart").src = apiUrl("/v1/charts/pathways.svg", params);
    $("road-ally-chart").src = apiUrl("/v1/charts/pathways/" + encodeURIComponent(state.ally) + ".svg",
      params);
    $("road-json").href = apiUrl("/v1/pathways", params);
    $("road-csv").href = apiUrl("/v1/pathways.csv", params);
  }

  // ---- history chart --------------------------------------------------------------------

  function drawHistory(data, threshold) {
    const container = $("history-chart");
    const items = ((data && data.items) || []).slice().sort((a, b) => a.year - b.year);
    if (!items.length) {
      message(container, "No figures under this edition.");
      $("history-caption").textContent = "";
      return;
    }
    const width = chartWidth(container);
    const left = 40;
    const right = 12;
    const top = 16;
    const plotH = 200;
    const height = top + plotH + 44;
    const plotW = width - left - right;
    const totals = items.map((i) => (i.meeting || 0) + (i.below || 0) + (i.no_data || 0));
    const ticks = niceTicks(0, Math.max(...totals, 1), 4);
    const hi = ticks[ticks.length - 1];
    const slot = plotW / items.length;
    const y = (v) => top + plotH - (v / hi) * plotH;
    const desc = items.map((i) => i.year + ": " + i.meeting).join("; ");
    const svg = svgRoot(width, height, "Allies at or above " + threshold + "% of GDP, by year",
      "Allies meeting the threshold per year. " + desc + ".", "history");
    svg.appendChild(el("rect", { width: width, height: height, fill: "#ffffff" }));
    for (const tick of ticks) {
      svg.appendChild(el("line", { x1: left, x2: left + plotW, y1: y(tick), y2: y(tick), stroke: COLOURS.grid }));
      svg.appendChild(el("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", fill: COLOURS.muted }, tick));
    }
    items.forEach((item, index) => {
      const cx = left + slot * index + slot / 2;
      const barW = Math.max(6, slot * 0.6);
      const g = el("g", { class: "year", "data-year": item.year, "data-meeting": item.meeting });
      g.appendChild(el("title", {}, item.year + ": " + item.meeting + " at or above, " + item.below +
        " below, " + item.no_data + " no data (edition " + ((item.editions || []).join(", ") || "none") + ")"));
      g.appendChild(el("rect", {
        x: cx - barW / 2, y: y(item.meeting), width: barW, height: Math.max(y(0) - y(item.meeting), 0),
        fill: COLOURS.meets,
      }));
      g.appendChild(el("text", { x: cx, y: y(item.meeting) - 4, "text-anchor": "middle", "font-size": 11 }, item.meeting));
      const showYear = slot >= 34 || index % 2 === 0;
      if (showYear) {
        g.appendChild(el("text", {
          x: cx, y: top + plotH + 16, "text-anchor": "middle", fill: COLOURS.muted, "font-size": 11,
        }, slot >= 34 ? item.year : "\u2019" + String(item.year).slice(2)));
      }
      svg.appendChild(g);
    });
    svg.appendChild(el("text", { x: left + plotW / 2, y: top + plotH + 36, "text-anchor": "middle" },
      "Year (number of allies at or above the threshold)"));
    replace(container, svg);
    const used = [...new Set(items.flatMap((i) => i.editions || []))].sort();
    $("history-caption").textContent = "Counts of allies whose published share of GDP is at or " +
      "above " + threshold + "%. Edition(s): " + (used.join(", ") || "none") + ".";
  }

  // ---- ally chart -----------------------------------------------------------------------

  // One colour per edition, the same in every chart: its place among all editions.
  function editionColour(id) {
    const index = editions.findIndex((e) => e.id === id);
    return PALETTE[Math.max(index, 0) % PALETTE.length];
  }

  function drawAlly(allyName, series, threshold, selected) {
    const container = $("ally-chart");
    const points = series.flatMap((s) => s.points);
    if (!points.length) {
      message(container, allyName + ": no data in any edition (missing, not zero).");
      $("ally-caption").textContent = "";
      return;
    }
    const width = chartWidth(container);
    const legendRows = series.length;
    const left = 44;
    const right = 14;
    const top = 20 + legendRows * 18 + 10;
    const plotH = 220;
    const plotW = width - left - right;
    const height = top + plotH + 44;
    const years = points.map((p) => p.year);
    const first = Math.min(...years, YEARS.first);
    const last = Math.max(...years);
    const values = points.map((p) => p.value).concat([threshold]);
    const ticks = niceTicks(Math.min(0, ...values), Math.max(...values) * 1.02, 4);
    const lo = ticks[0];
    const hi = ticks[ticks.length - 1];
    const px = (yr) => left + ((yr - first) / Math.max(last - first, 1)) * plotW;
    const py = (v) => top + plotH - ((v - lo) / (hi - lo)) * plotH;
    const svg = svgRoot(width, height, allyName + ": defence expenditure as share of GDP, by edition",
      "One line per report edition: " + series.map((s) => s.edition + " (" + s.points.length + " figures)").join(", ") + ".",
      "ally");
    svg.appendChild(el("rect", { width: width, height: height, fill: "#ffffff" }));
    series.forEach((s, i) => {
      const colour = editionColour(s.edition);
      const ly = 16 + i * 18;
      const bold = s.edition === selected;
      svg.appendChild(el("line", { x1: 8, x2: 30, y1: ly - 4, y2: ly - 4, stroke: colour, "stroke-width": bold ? 5 : 3 }));
      svg.appendChild(el("text", { x: 36, y: ly, "font-weight": bold ? "bold" : null, "font-size": 12 },
        s.edition + (s.definition === "core_defence_expenditure" ? " (core definition)" : "") + (bold ? " \u2013 selected" : "")));
    });
    for (const tick of ticks) {
      svg.appendChild(el("line", { x1: left, x2: left + plotW, y1: py(tick), y2: py(tick), stroke: COLOURS.grid }));
      svg.appendChild(el("text", { x: left - 6, y: py(tick) + 4, "text-anchor": "end", fill: COLOURS.muted }, tick));
    }
    const step = plotW < 420 ? 3 : plotW < 640 ? 2 : 1;
    for (let yr = first; yr <= last; yr += step) {
      svg.appendChild(el("text", { x: px(yr), y: top + plotH + 16, "text-anchor": "middle", fill: COLOURS.muted, "font-size": 11 }, yr));
    }
    const ty = py(threshold);
    svg.appendChild(el("line", {
      x1: left, x2: left + plotW, y1: ty, y2: ty, stroke: COLOURS.threshold, "stroke-width": 2,
      "stroke-dasharray": "6 3", class: "threshold",
    }));
    series.forEach((s) => {
      const colour = editionColour(s.edition);
      const bold = s.edition === selected;
      const g = el("g", { class: "series", "data-series": s.edition });
      const sorted = s.points.slice().sort((a, b) => a.year - b.year);
      let segment = [];
      const flush = () => {
        if (segment.length > 1) {
          g.appendChild(el("polyline", {
            points: segment.join(" "), fill: "none", stroke: colour, "stroke-width": bold ? 4 : 2,
            "stroke-linejoin": "round",
          }));
        }
        segment = [];
      };
      sorted.forEach((p, k) => {
        if (k > 0 && p.year !== sorted[k - 1].year + 1) flush();
        segment.push(px(p.year) + "," + py(p.value));
      });
      flush();
      for (const p of sorted) {
        const c = el("circle", {
          cx: px(p.year), cy: py(p.value), r: bold ? 4.5 : 3.5, fill: p.is_estimate ? "#ffffff" : colour,
          stroke: colour, "stroke-width": 2, "data-year": p.year, "data-value": p.value_text,
        });
        c.appendChild(el("title", {}, s.edition + ", " + p.year + ": " + p.value_text + "% of GDP" +
          (p.is_estimate ? " (estimate)" : "")));
        g.appendChild(c);
      }
      svg.appendChild(g);
    });
    svg.appendChild(el("text", { x: left + plotW / 2, y: top + plotH + 36, "text-anchor": "middle" },
      "Year (% of GDP; hollow marker = estimate)"));
    replace(container, svg);
    const sources = [...new Set(points.map((p) => p.source).filter(Boolean))].sort();
    $("ally-caption").textContent = "Each line is one report edition, never merged with another; " +
      "the dashed line is the threshold. Source(s): " + (sources.join(", ") || "none") + ".";
  }

  // ---- totals ---------------------------------------------------------------------------

  const GROUP_NAMES = {
    NATO_TOTAL: "NATO total", NATO_EUROPE_CANADA: "Europe and Canada", NATO_EUROPE: "European allies",
    USA: "United States", USA_SHARE_OF_NATO: "US share of NATO (%)",
  };

  function drawTotals(data, year) {
    const tbody = $("totals-table").querySelector("tbody");
    replace(tbody, null);
    const items = ((data && data.items) || []).filter((i) => Number(i.year) === Number(year));
    const measure = (data && data.measure) || "usd_current";
    $("totals-caption").textContent = "Defence expenditure in " + year + " (" + measure +
      "): the sum of the allies' published figures beside NATO's published totals.";
    if (!items.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 4;
      td.className = "no-data";
      td.textContent = "No totals for " + year + " under this edition.";
      tr.appendChild(td);
      tbody.appendChild(tr);
      return;
    }
    for (const item of items) {
      const tr = document.createElement("tr");
      tr.setAttribute("data-group", item.group);
      const published = (item.published || []).map((p) =>
        (p.qualifier ? p.qualifier + " " : "") + (p.value_text !== null && p.value_text !== undefined ? compactNumber(p.value_text) : "") +
        (p.unit ? " " + p.unit : "") + " (" + p.edition + ", " + p.source + ")").join("; ");
      const computed = item.computed_value_text !== null && item.computed_value_text !== undefined
        ? compactNumber(item.computed_value_text) + " " + (item.computed_unit || "")
        : "no data" + (item.computed_missing && item.computed_missing.length ? " (missing: " + item.computed_missing.join(", ") + ")" : "");
      const cells = [GROUP_NAMES[item.group] || item.group, computed, published || "\u2013",
        (item.computed_editions || []).join(", ")];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 1) td.className = "num";
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
  }

  // ---- citation -------------------------------------------------------------------------

  function citationSentence(item) {
    // "NATO (2024-06-17). Title. Publisher. [Dataset version V.] URL. Note." from CSL-JSON.
    const parts = (item.issued && item.issued["date-parts"] && item.issued["date-parts"][0]) || [];
    const date = parts.map((p) => String(p).padStart(2, "0")).join("-");
    const authors = (item.author || []).map((a) => a.literal || a.family || "").join(", ");
    const version = item.version ? " Dataset version " + item.version + "." : "";
    return authors + " (" + date + "). " + item.title + ". " + item.publisher + "." + version +
      " " + item.URL + ". " + item.note + ".";
  }

  async function loadCitation(serial) {
    const params = editionParams();
    const [csl, bibtex] = await Promise.all([
      getJson("/v1/citation", Object.assign({ format: "csl-json" }, params)),
      getText("/v1/citation", Object.assign({ format: "bibtex" }, params)),
    ]);
    if (serial !== requestSerial) return;
    $("cite-text").textContent = citationSentence((csl && csl[0]) || {});
    $("cite-bibtex").textContent = bibtex;
    for (const format of ["bibtex", "ris", "csl-json"]) {
      $("cite-link-" + format).href = apiUrl("/v1/citation", Object.assign({ format: format }, params));
    }
  }

  // ---- orchestration --------------------------------------------------------------------

  function showError(err) {
    const box = $("error");
    if (!err) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.hidden = false;
    box.textContent = "Could not load the figures: " + err.message;
  }

  function thresholdValue() {
    const value = Number(state.threshold);
    return Number.isFinite(value) && value >= 0 && value <= 100 ? value : 2;
  }

  function editionParams() {
    return state.edition ? { edition: state.edition } : {};
  }

  async function loadRanked(serial) {
    const threshold = thresholdValue();
    const data = await getJson("/v1/compliance", Object.assign({
      year: state.year, indicator: "share_gdp", threshold: state.threshold,
    }, editionParams()));
    if (serial !== requestSerial) return;
    drawRanked(data, threshold);
    $("ranked-svg").href = apiUrl("/v1/charts/compliance.svg",
      Object.assign({ year: state.year, threshold: state.threshold }, editionParams()));
  }

  async function loadHistory(serial) {
    const data = await getJson("/v1/compliance/history", Object.assign({
      indicator: "share_gdp", threshold: state.threshold,
    }, editionParams()));
    if (serial !== requestSerial) return;
    drawHistory(data, thresholdValue());
  }

  async function loadAlly(serial) {
    const name = ($("ally").selectedOptions[0] || {}).textContent || state.ally;
    const wanted = editions;
    const results = await Promise.all(wanted.map((e) =>
      getAll("/v1/observations", { ally: state.ally, indicator: "share_gdp", edition: e.id })
        .then((items) => ({ edition: e.id, definition: e.expenditure_definition, items: items }))));
    if (serial !== requestSerial) return;
    const series = results.filter((r) => r.items.length).map((r) => ({
      edition: r.edition,
      definition: r.definition,
      points: r.items.filter((i) => i.value !== null && i.value !== undefined).map((i) => ({
        year: i.year, value: i.value, value_text: i.value_text, is_estimate: i.is_estimate, source: i.source,
      })),
    }));
    drawAlly(name, series, thresholdValue(), state.edition);
    $("ally-title").textContent = name + ": share of GDP, every edition";
    $("ally-svg").href = apiUrl("/v1/charts/allies/" + encodeURIComponent(state.ally) + ".svg",
      { threshold: state.threshold });
  }

  async function loadTotals(serial) {
    try {
      const data = await getJson("/v1/totals", Object.assign({ from: state.year, to: state.year }, editionParams()));
      if (serial !== requestSerial) return;
      drawTotals(data, state.year);
    } catch (err) {
      if (serial !== requestSerial) return;
      $("totals-caption").textContent = "Totals could not be loaded: " + err.message;
      replace($("totals-table").querySelector("tbody"), null);
    }
  }

  async function refresh() {
    requestSerial += 1;
    const serial = requestSerial;
    writeUrl();
    showError(null);
    $("status").textContent = "Loading\u2026";
    document.body.setAttribute("aria-busy", "true");
    const results = await Promise.allSettled([
      loadRanked(serial), loadHistory(serial), loadAlly(serial), loadTotals(serial),
      loadCitation(serial), loadRoad(serial),
    ]);
    if (serial !== requestSerial) return;
    const failed = results.find((r) => r.status === "rejected");
    showError(failed ? failed.reason : null);
    document.body.removeAttribute("aria-busy");
    const edition = state.edition ? "edition " + state.edition : "latest editions";
    $("status").textContent = "Showing " + state.year + ", " + edition + ", threshold " +
      thresholdValue() + "% of GDP.";
    document.body.setAttribute("data-ready", String(serial));
  }

  function fillSelect(select, options, value) {
    for (const [optionValue, label] of options) {
      const option = document.createElement("option");
      option.value = optionValue;
      option.textContent = label;
      select.appendChild(option);
    }
    select.value = value;
    if (select.value !== value && select.options.length) select.selectedIndex = 0;
  }

  async function init() {
    readUrl();
    try {
      const [editionList, allies, history] = await Promise.all([
        getJson("/v1/editions"), getJson("/v1/allies"), getJson("/v1/compliance/history"),
      ]);
      const covered = ((history && history.items) || []).map((item) => item.year);
      if (covered.length) Object.assign(YEARS, { first: Math.min(...covered), last: Math.max(...covered) });
      editions = ((editionList && editionList.items) || []).slice()
        .sort((a, b) => String(a.published_on).localeCompare(String(b.published_on)));
      fillSelect($("edition"), editions.map((e) => [e.id, e.id + " \u2013 " + e.title +
        (e.expenditure_definition === "core_defence_expenditure" ? " (core definition)" : "")]), state.edition);
      state.edition = $("edition").value;
      fillSelect($("ally"), ((allies && allies.items) || []).map((a) => [a.iso3, a.name]).sort((a, b) => a[1].localeCompare(b[1])),
        String(state.ally).toUpperCase());
      state.ally = $("ally").value;
    } catch (err) {
      showError(err);
      document.body.setAttribute("data-ready", "error");
      return;
    }
    const years = [];
    for (let y = YEARS.last; y >= YEARS.first; y -= 1) years.push([String(y), String(y)]);
    if (!state.year) state.year = "2024";
    fillSelect($("year"), years, state.year);
    state.year = $("year").value;
    $("threshold").value = state.threshold;

    $("edition").addEventListener("change", (e) => { state.edition = e.target.value; refresh(); });
    $("year").addEventListener("change", (e) => { state.year = e.target.value; refresh(); });
    $("ally").addEventListener("change", (e) => { state.ally = e.target.value; refresh(); });
    $("threshold").addEventListener("change", (e) => {
      if (!e.target.checkValidity() || e.target.value === "") return;
      state.threshold = e.target.value;
      refresh();
    });
    $("controls").addEventListener("submit", (e) => e.preventDefault());
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(refresh, 250);
    });
    await refresh();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
