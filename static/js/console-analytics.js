// A show's analytics in the console: audience, likes, chat, sales (revenue,
// refunds, net) and every pin's figures, drawn from GET /api/shows/{id}/analytics
// and refreshed while the show is live. Charts have a time axis since going
// live, a value axis with its unit, the peak marked and each bucket's values
// on hover, tap or the arrow keys, and the same figures as a table.
import { drawChart, showClock } from "./charts.js";
import { $, el, maybe$ } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { errorText, get } from "./http.js";
import { locale, setText, t } from "./i18n.js";

const LIVE_POLL_MS = 10000;
const enc = encodeURIComponent;

let showId = null;
let report = null;
let timer = null;
// Where the reader was in each chart, so a refresh while live keeps their place.
let cursor = {};

function number(value, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

function money(amounts) {
  if (!amounts || !amounts.length) {
    return "—";
  }
  return amounts.map((a) => formatMoney(a.amount_minor, a.currency)).join(" + ");
}

function percent(ratio) {
  if (ratio === null || ratio === undefined) {
    return "—";
  }
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

/** "1 order" / "2 orders": the plural form of `key` for `count`. */
function counted(key, count) {
  return t(key, { count });
}

function tile(key, value, name, params) {
  const label = el("span", { className: "tile-label" });
  setText(label, key, params);
  return el("div", { className: "tile", dataset: { figure: name } }, el("strong", {}, value), label);
}

/** The replay's figures go under their own heading, below the live's. */
function ensureReplaySection() {
  if (maybe$("analytics-replay")) {
    return;
  }
  const heading = el("h3", { id: "analytics-replay-heading" });
  setText(heading, "analytics.replay");
  $("analytics-definitions").after(heading, el("div", { id: "analytics-replay", className: "tiles" }));
}

function drawTiles() {
  ensureReplaySection();
  const v = report.viewers;
  const orders = report.orders;
  $("analytics-tiles").replaceChildren(
    tile("analytics.peak", number(v.peak), "peak"),
    tile("analytics.average", number(v.average, 1), "average"),
    tile("analytics.unique", number(v.unique), "unique"),
    tile("analytics.watch_minutes", number(v.watch_minutes, 1), "watch_minutes"),
    tile("analytics.likes", number(report.likes), "likes"),
    tile("analytics.chat", number(report.chat_messages), "chat_messages"),
    tile("analytics.buy_taps", number(report.buy_taps), "buy_taps"),
    tile("analytics.orders", number(orders.sold), "orders"),
    tile("analytics.buyers", number(v.buyers || 0), "buyers"),
    tile("analytics.conversion", percent(report.conversion), "conversion"),
  );
  $("analytics-money").replaceChildren(
    tile("analytics.revenue", money(orders.revenue), "revenue"),
    tile("analytics.refunded", money(orders.refunded_amount), "refunded", {
      count: number(orders.refunded),
    }),
    tile("analytics.net", money(orders.net), "net"),
  );
  const replay = report.replay;
  $("analytics-replay").replaceChildren(
    tile("analytics.replay_unique", number(replay.viewers.unique), "replay_unique"),
    tile("analytics.replay_minutes", number(replay.viewers.watch_minutes, 1), "replay_minutes"),
    tile("analytics.buy_taps", number(replay.buy_taps), "replay_buy_taps"),
    tile("analytics.orders", number(replay.orders.sold), "replay_orders"),
    tile("analytics.net", money(replay.orders.net), "replay_net"),
  );
}

/** The charts: what each draws, its unit and how a bucket reads aloud. */
function chartSpecs(points, bucketMs) {
  const pick = (name) => points.map((p) => p[name]);
  const span = (i) => {
    const long = points.length * bucketMs >= 3600000;
    return `${showClock(points[i].offset_ms, long)}–${showClock(points[i].offset_ms + bucketMs, long)}`;
  };
  const bars = (name, field, key, unitKey, className) => ({
    name,
    kind: "bar",
    title: key,
    unit: t(unitKey),
    series: [{ values: pick(field), className }],
    describe: (i) => `${span(i)} · ${counted(`${unitKey}_count`, points[i][field])}`,
  });
  return [
    {
      name: "viewers",
      kind: "line",
      title: "analytics.chart_viewers",
      unit: t("charts.unit_viewers"),
      series: [
        { values: pick("viewers_peak"), className: "line-peak" },
        { values: pick("viewers_average"), className: "line-average" },
      ],
      legend: true,
      describe: (i) =>
        `${span(i)} · ${t("charts.viewers_bucket", {
          peak: number(points[i].viewers_peak),
          average: number(points[i].viewers_average, 1),
        })}`,
    },
    bars("likes", "likes", "analytics.likes", "charts.unit_likes", "bar-likes"),
    bars("chat", "chat_messages", "analytics.chat", "charts.unit_messages", "bar-chat"),
    bars("buy_taps", "buy_taps", "analytics.buy_taps", "charts.unit_taps", "bar-taps"),
    bars("orders", "orders", "analytics.orders", "charts.unit_orders", "bar-orders"),
  ];
}

function legend() {
  const item = (className, key) => {
    const text = el("span");
    setText(text, key);
    return el("span", { className: `legend-item ${className}` }, el("span", { className: "swatch", attrs: { "aria-hidden": "true" } }), text);
  };
  return el("p", { className: "chart-legend" }, item("line-peak", "charts.peak_line"), item("line-average", "charts.average_line"));
}

/** The chart's figures as a table (collapsed): the same numbers, for reading or copying. */
function dataTable(spec, points, bucketMs) {
  const summary = el("summary");
  setText(summary, "charts.as_table");
  const head = el("tr", {}, el("th", { scope: "col", textContent: t("charts.time_column") }));
  const columns = spec.name === "viewers" ? ["charts.peak_line", "charts.average_line"] : [spec.title];
  for (const key of columns) {
    head.append(el("th", { scope: "col", textContent: t(key) }));
  }
  const long = points.length * bucketMs >= 3600000;
  const rows = points.map((point, i) => {
    const cells = spec.series.map((series) => el("td", {}, number(series.values[i], 1)));
    return el("tr", {}, el("th", { scope: "row" }, showClock(point.offset_ms, long)), ...cells);
  });
  return el("details", { className: "chart-data" }, summary, el("div", { className: "table-wrap" }, el("table", { className: "pin-table" }, el("thead", {}, head), el("tbody", {}, ...rows))));
}

function drawCharts() {
  const focused = /** @type {HTMLElement | null} */ (document.activeElement && document.activeElement.closest("[data-chart]"));
  const points = report.chart.points;
  const bucketMs = report.chart.bucket_seconds * 1000;
  const cards = chartSpecs(points, bucketMs).map((spec) => {
    const heading = el("h4");
    setText(heading, spec.title);
    const card = el("figure", { className: "chart-card", dataset: { chart: spec.name } }, heading);
    if (spec.legend) {
      card.append(legend());
    }
    return { spec, card };
  });
  $("analytics-charts").replaceChildren(...cards.map((c) => c.card));
  for (const { spec, card } of cards) {
    // Drawn once in the page, so the chart knows its width.
    drawChart(card, {
      kind: spec.kind,
      offsets: points.map((p) => p.offset_ms),
      bucketMs,
      series: spec.series,
      unit: spec.unit,
      label: t(spec.title),
      format: (value) => number(value),
      describe: spec.describe,
      peakText: (value, at) => t("charts.peak", { value: number(value, 1), at }),
      selected: cursor[spec.name],
      onSelect: (index) => {
        cursor[spec.name] = index;
      },
    });
    card.append(dataTable(spec, points, bucketMs));
  }
  if (focused) {
    // The refresh replaced the chart the reader was on: put them back on it.
    /** @type {SVGElement | null} */ ($("analytics-charts").querySelector(`[data-chart="${focused.dataset.chart}"] svg`))?.focus();
  }
  setText($("analytics-bucket"), "analytics.bucket", { seconds: number(report.chart.bucket_seconds) });
}

function pinRow(pin) {
  const cells = [
    pin.title || pin.product_id,
    `${showClock(pin.from_ms)}–${showClock(pin.to_ms)}`,
    showClock(pin.seconds_on_screen * 1000),
    number(pin.viewers_reached),
    number(pin.buy_taps),
    number(pin.holds),
    number(pin.orders),
    number(pin.buyers || 0),
    money(pin.net),
    percent(pin.conversion),
    `${number(pin.replay.orders)} · ${money(pin.replay.net)}`,
  ];
  const row = el("tr", { dataset: { pinId: String(pin.pin_id) } }, ...cells.map((text) => el("td", {}, text)));
  if (pin.flash_sale) {
    const badge = el("span", { className: "badge" });
    setText(badge, "analytics.flash_sale");
    row.cells[0].append(" ", badge);
  }
  return row;
}

function drawPins() {
  $("analytics-pins").replaceChildren(...report.pins.map(pinRow));
  $("analytics-no-pins").hidden = report.pins.length > 0;
}

function draw() {
  if (!report) {
    return;
  }
  $("analytics-title").textContent = report.show.title; // text, never markup
  setText($("analytics-as-of"), "analytics.as_of", { time: formatDateTime(report.as_of) });
  $("analytics-json", HTMLAnchorElement).href = `/api/shows/${enc(showId)}/analytics`;
  $("analytics-back", HTMLAnchorElement).href = `/console/shows/${enc(showId)}`;
  $("analytics-body").hidden = false; // before the charts: they measure their width
  drawTiles();
  drawCharts();
  drawPins();
}

async function load() {
  try {
    report = await get(`/api/shows/${enc(showId)}/analytics`);
    $("analytics-error").textContent = "";
    draw();
  } catch (error) {
    $("analytics-error").textContent = errorText(error);
  }
  clearTimeout(timer);
  if (report && report.show.status === "live") {
    timer = setTimeout(load, LIVE_POLL_MS);
  }
}

export const analyticsView = {
  section: "view-analytics",
  async enter(id) {
    showId = id;
    report = null;
    cursor = {};
    $("analytics-body").hidden = true;
    await load();
  },
  leave() {
    clearTimeout(timer);
    timer = null;
  },
  relabel: draw,
};
