// Small SVG charts for the console: a figure over the show's time, with a time
// axis (since going live), a value axis with its unit, the peak marked, and each
// bucket's values on hover, tap or the arrow keys. Drawn with DOM calls only, at
// the figure's real width (redrawn when it changes), so text stays readable.
import { el } from "./dom.js";
import { formatNumber } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 180;
const MARGIN = { top: 22, right: 12, bottom: 24, left: 44 };
const MIN_TICK_GAP_PX = 64; // between labelled time ticks
const TIME_STEPS_S = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string | null} [text]
 */
function svgEl(tag, attrs = {}, text = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    element.setAttribute(name, String(value));
  }
  if (text !== null) {
    element.textContent = text;
  }
  return element;
}

/** Milliseconds since going live as m:ss, or h:mm once the show passes an hour. */
export function showClock(ms, long = ms >= 3600000) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  if (long) {
    return `${formatNumber(h)}:${formatNumber(m, 2)}`;
  }
  return `${formatNumber(m)}:${formatNumber(total % 60, 2)}`;
}

/** Round axis ticks from 0 to at least `max`: 0, step, 2 step... (about four). */
export function valueTicks(max) {
  const top = Math.max(1, max);
  const rough = top / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((f) => f * power).find((s) => s >= rough) ?? 10 * power);
  const ticks = [];
  for (let value = 0; value < top + step; value += step) {
    ticks.push(value);
    if (value >= top) {
      break;
    }
  }
  return ticks;
}

/** A time step (s) whose ticks stay `MIN_TICK_GAP_PX` apart over `spanMs` drawn `width` px wide. */
function timeStep(spanMs, width) {
  const most = Math.max(1, Math.floor(width / MIN_TICK_GAP_PX));
  return TIME_STEPS_S.find((step) => (spanMs / 1000) / step <= most) || TIME_STEPS_S[TIME_STEPS_S.length - 1];
}

/**
 * A chart in `figure` (an element to fill). `spec`:
 * `{kind: "line"|"bar", offsets: [ms...], bucketMs, series: [{name, values, className}],
 *   unit, label, format(value) -> text, describe(index) -> text, peakText(value, offsetText),
 *   selected?, onSelect?(index)}`.
 * The first series is the main one: its peak is marked. `selected` starts the
 * cursor on a bucket (a redraw keeps the reader's place); `onSelect` hears it move.
 * Returns a function that redraws (e.g. after a language switch).
 */
export function drawChart(figure, spec) {
  const plot = el("div", { className: "chart-plot" });
  const tip = el("div", { className: "chart-tip", attrs: { role: "status", "aria-live": "polite" } });
  tip.hidden = true;
  plot.append(tip);
  figure.append(plot);
  let selected = Number.isInteger(spec.selected) && spec.selected < spec.offsets.length ? spec.selected : null;
  let width = 0;

  const geometry = () => {
    const inner = width - MARGIN.left - MARGIN.right;
    const count = spec.offsets.length;
    const spanMs = Math.max(spec.bucketMs, count * spec.bucketMs);
    const ticks = valueTicks(Math.max(0, ...spec.series.flatMap((s) => s.values)));
    const top = ticks[ticks.length - 1]; // never empty: 0 and at least one step
    return {
      inner,
      spanMs,
      top,
      x: (ms) => MARGIN.left + (ms / spanMs) * inner,
      y: (value) => MARGIN.top + (1 - value / top) * (HEIGHT - MARGIN.top - MARGIN.bottom),
      slot: inner / Math.max(1, count),
    };
  };

  function draw() {
    width = Math.max(240, Math.round(plot.clientWidth || figure.clientWidth || 320));
    const g = geometry();
    const svg = svgEl("svg", {
      width,
      height: HEIGHT,
      viewBox: `0 0 ${width} ${HEIGHT}`,
      class: "chart-svg",
      role: "img",
      tabindex: 0,
      "aria-label": spec.label,
    });
    svg.append(svgEl("title", {}, spec.label));
    drawValueAxis(svg, g);
    drawTimeAxis(svg, g);
    drawSeries(svg, g);
    drawPeak(svg, g);
    const marker = svgEl("line", { class: "chart-cursor", y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom });
    marker.style.display = "none";
    svg.append(marker);
    bindPointer(svg, g, marker);
    plot.querySelector("svg")?.remove();
    plot.prepend(svg);
  }

  function drawValueAxis(svg, g) {
    const ticks = valueTicks(g.top);
    for (const value of ticks) {
      const y = g.y(value);
      svg.append(svgEl("line", { class: "chart-grid", x1: MARGIN.left, x2: width - MARGIN.right, y1: y, y2: y }));
      svg.append(svgEl("text", { class: "chart-tick", x: MARGIN.left - 6, y: y + 4, "text-anchor": "end" }, spec.format(value)));
    }
    // The unit above the value axis: what the numbers count.
    svg.append(svgEl("text", { class: "chart-unit", x: 4, y: 12 }, spec.unit));
  }

  function drawTimeAxis(svg, g) {
    const base = HEIGHT - MARGIN.bottom;
    svg.append(svgEl("line", { class: "chart-axis", x1: MARGIN.left, x2: width - MARGIN.right, y1: base, y2: base }));
    const stepMs = timeStep(g.spanMs, g.inner) * 1000;
    const long = g.spanMs >= 3600000;
    for (let ms = 0; ms <= g.spanMs + 1; ms += stepMs) {
      const x = g.x(ms);
      svg.append(svgEl("line", { class: "chart-axis", x1: x, x2: x, y1: base, y2: base + 4 }));
      const anchor = ms === 0 ? "start" : ms + stepMs > g.spanMs ? "end" : "middle";
      svg.append(svgEl("text", { class: "chart-tick", x, y: base + 17, "text-anchor": anchor }, showClock(ms, long)));
    }
  }

  function drawSeries(svg, g) {
    for (const series of spec.series) {
      if (spec.kind === "bar") {
        series.values.forEach((value, i) => {
          if (value > 0) {
            const top = g.y(value);
            svg.append(svgEl("rect", {
              class: series.className,
              x: (MARGIN.left + i * g.slot + g.slot * 0.12).toFixed(1),
              y: top.toFixed(1),
              width: Math.max(1, g.slot * 0.76).toFixed(1),
              height: (HEIGHT - MARGIN.bottom - top).toFixed(1),
            }));
          }
        });
        continue;
      }
      // A line runs through the middle of each bucket.
      const points = series.values.map((value, i) => `${(MARGIN.left + (i + 0.5) * g.slot).toFixed(1)},${g.y(value).toFixed(1)}`);
      if (points.length === 1) {
        points.unshift(`${MARGIN.left},${g.y(series.values[0]).toFixed(1)}`);
        points.push(`${width - MARGIN.right},${g.y(series.values[0]).toFixed(1)}`);
      }
      svg.append(svgEl("polyline", { class: series.className, points: points.join(" "), fill: "none" }));
    }
  }

  function drawPeak(svg, g) {
    const values = spec.series[0].values;
    if (!values.length) {
      return;
    }
    const peak = Math.max(...values);
    if (peak <= 0) {
      return;
    }
    const i = values.indexOf(peak);
    const cx = MARGIN.left + (i + 0.5) * g.slot;
    const cy = g.y(peak);
    svg.append(svgEl("circle", { class: "chart-peak", cx, cy, r: 3.5 }));
    const anchor = cx < width * 0.25 ? "start" : cx > width * 0.75 ? "end" : "middle";
    const text = spec.peakText(peak, showClock(spec.offsets[i], g.spanMs >= 3600000));
    svg.append(svgEl("text", { class: "chart-peak-label", x: cx, y: Math.max(11, cy - 7), "text-anchor": anchor }, text));
  }

  function select(index, svg, g, marker) {
    selected = index;
    if (spec.onSelect) {
      spec.onSelect(index);
    }
    const x = MARGIN.left + (index + 0.5) * g.slot;
    marker.setAttribute("x1", x);
    marker.setAttribute("x2", x);
    marker.style.display = "";
    tip.textContent = spec.describe(index);
    tip.hidden = false;
    // Keep the tip inside the plot: left of the cursor in the right half.
    tip.style.left = x < width / 2 ? `${x + 8}px` : "";
    tip.style.right = x < width / 2 ? "" : `${width - x + 8}px`;
  }

  function bindPointer(svg, g, marker) {
    const count = spec.offsets.length;
    if (!count) {
      return;
    }
    const indexAt = (clientX) => {
      const box = svg.getBoundingClientRect();
      const i = Math.floor((clientX - box.left - MARGIN.left) / g.slot);
      return Math.min(count - 1, Math.max(0, i));
    };
    svg.addEventListener("pointermove", (event) => select(indexAt(event.clientX), svg, g, marker));
    svg.addEventListener("pointerdown", (event) => select(indexAt(event.clientX), svg, g, marker));
    svg.addEventListener("pointerleave", (event) => {
      if (event.pointerType === "mouse" && document.activeElement !== svg) {
        marker.style.display = "none";
        tip.hidden = true;
      }
    });
    svg.addEventListener("focus", () => select(selected ?? count - 1, svg, g, marker));
    svg.addEventListener("blur", () => {
      marker.style.display = "none";
      tip.hidden = true;
    });
    svg.addEventListener("keydown", (event) => {
      const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
      if (!(event.key in moves)) {
        return;
      }
      event.preventDefault();
      const next = Math.min(count - 1, Math.max(0, (selected ?? count - 1) + moves[event.key]));
      select(next, svg, g, marker);
    });
  }

  draw();
  let lastWidth = width;
  const observer = new ResizeObserver(() => {
    if (!plot.isConnected) {
      observer.disconnect(); // the page drew a new chart in its place
      return;
    }
    const now = Math.round(plot.clientWidth);
    if (now && Math.abs(now - lastWidth) > 2) {
      lastWidth = now;
      draw();
    }
  });
  observer.observe(plot);
  return draw;
}
