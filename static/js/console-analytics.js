// A show's analytics in the console: audience, likes, chat, sales and every
// pin's figures, drawn from GET /api/shows/{id}/analytics and refreshed while
// the show is live.
import { barChart, lineChart } from "./charts.js";
import { $, el } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { errorText, get } from "./http.js";
import { locale, setText, t } from "./i18n.js";

const LIVE_POLL_MS = 10000;
const enc = encodeURIComponent;

let showId = null;
let report = null;
let timer = null;

function number(value, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

function money(amounts) {
  if (!amounts.length) {
    return "—";
  }
  return amounts.map((a) => formatMoney(a.amount_minor, a.currency)).join(" + ");
}

/** Milliseconds since the show went live as m:ss (or h:mm:ss). */
function clock(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function percent(ratio) {
  if (ratio === null || ratio === undefined) {
    return "—";
  }
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

function tile(key, value, name) {
  const label = el("span", { className: "tile-label" });
  setText(label, key);
  return el("div", { className: "tile", dataset: { figure: name } }, el("strong", {}, value), label);
}

/** The replay's figures go under their own heading, below the live's. */
function ensureReplaySection() {
  if ($("analytics-replay")) {
    return;
  }
  const heading = el("h3", { id: "analytics-replay-heading" });
  setText(heading, "analytics.replay");
  $("analytics-tiles").after(heading, el("div", { id: "analytics-replay", className: "tiles" }));
}

function drawTiles() {
  ensureReplaySection();
  const v = report.viewers;
  $("analytics-tiles").replaceChildren(
    tile("analytics.peak", number(v.peak), "peak"),
    tile("analytics.average", number(v.average, 1), "average"),
    tile("analytics.unique", number(v.unique), "unique"),
    tile("analytics.watch_minutes", number(v.watch_minutes, 1), "watch_minutes"),
    tile("analytics.likes", number(report.likes), "likes"),
    tile("analytics.chat", number(report.chat_messages), "chat_messages"),
    tile("analytics.buy_taps", number(report.buy_taps), "buy_taps"),
    tile("analytics.orders", number(report.orders.sold), "orders"),
    tile("analytics.revenue", money(report.orders.revenue), "revenue"),
  );
  const replay = report.replay;
  $("analytics-replay").replaceChildren(
    tile("analytics.replay_unique", number(replay.viewers.unique), "replay_unique"),
    tile("analytics.replay_minutes", number(replay.viewers.watch_minutes, 1), "replay_minutes"),
    tile("analytics.buy_taps", number(replay.buy_taps), "replay_buy_taps"),
    tile("analytics.orders", number(replay.orders.sold), "replay_orders"),
    tile("analytics.revenue", money(replay.orders.revenue), "replay_revenue"),
  );
}

function chartCard(key, svg, name) {
  const heading = el("h4");
  setText(heading, key);
  return el("figure", { className: "chart-card", dataset: { chart: name } }, heading, svg);
}

function drawCharts() {
  const points = report.chart.points;
  const pick = (name) => points.map((p) => p[name]);
  const viewers = lineChart(
    [
      { values: pick("viewers_peak"), className: "line-peak" },
      { values: pick("viewers_average"), className: "line-average" },
    ],
    t("analytics.chart_viewers"),
  );
  $("analytics-charts").replaceChildren(
    chartCard("analytics.chart_viewers", viewers, "viewers"),
    chartCard("analytics.likes", barChart(pick("likes"), t("analytics.likes"), "bar-likes"), "likes"),
    chartCard("analytics.chat", barChart(pick("chat_messages"), t("analytics.chat"), "bar-chat"), "chat"),
    chartCard("analytics.buy_taps", barChart(pick("buy_taps"), t("analytics.buy_taps"), "bar-taps"), "buy_taps"),
    chartCard("analytics.orders", barChart(pick("orders"), t("analytics.orders"), "bar-orders"), "orders"),
  );
  const bucket = report.chart.bucket_seconds;
  setText($("analytics-bucket"), "analytics.bucket", { seconds: number(bucket) });
}

function pinRow(pin) {
  const cells = [
    pin.title || pin.product_id,
    `${clock(pin.from_ms)}–${clock(pin.to_ms)}`,
    clock(pin.seconds_on_screen * 1000),
    number(pin.viewers_reached),
    number(pin.buy_taps),
    number(pin.holds),
    number(pin.orders),
    money(pin.revenue),
    percent(pin.conversion),
    `${number(pin.replay.orders)} · ${money(pin.replay.revenue)}`,
  ];
  const row = el("tr", { dataset: { pinId: String(pin.pin_id) } }, ...cells.map((text) => el("td", {}, text)));
  if (pin.flash_sale) {
    const badge = el("span", { className: "badge" });
    setText(badge, "analytics.flash_sale");
    row.firstChild.append(" ", badge);
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
  $("analytics-json").href = `/api/shows/${enc(showId)}/analytics`;
  $("analytics-back").href = `/console/shows/${enc(showId)}`;
  drawTiles();
  drawCharts();
  drawPins();
  $("analytics-body").hidden = false;
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
    $("analytics-body").hidden = true;
    await load();
  },
  leave() {
    clearTimeout(timer);
    timer = null;
  },
  relabel: draw,
};
