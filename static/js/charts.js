// Small SVG charts for the console: a line over time and a bar per bucket.
// Built with DOM calls only, so no figure or label ever becomes markup.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 140;
const PAD = 4;

function svgEl(tag, attrs = {}) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    element.setAttribute(name, String(value));
  }
  return element;
}

function frame(label) {
  const svg = svgEl("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "none",
    role: "img",
    class: "chart",
  });
  svg.setAttribute("aria-label", label);
  const title = svgEl("title");
  title.textContent = label;
  svg.append(title);
  return svg;
}

function scale(values) {
  const top = Math.max(1, ...values);
  return (value) => HEIGHT - PAD - (value / top) * (HEIGHT - 2 * PAD);
}

/**
 * A line chart of `series` (each `{values, className}`) over the same buckets;
 * `label` is read by screen readers. Returns the <svg>.
 */
export function lineChart(series, label) {
  const svg = frame(label);
  const y = scale(series.flatMap((line) => line.values));
  for (const line of series) {
    const count = line.values.length;
    if (!count) {
      continue;
    }
    const step = count > 1 ? (WIDTH - 2 * PAD) / (count - 1) : 0;
    const points = line.values.map((value, i) => `${(PAD + i * step).toFixed(1)},${y(value).toFixed(1)}`);
    if (count === 1) {
      points.push(`${WIDTH - PAD},${y(line.values[0]).toFixed(1)}`);
    }
    svg.append(svgEl("polyline", { points: points.join(" "), class: line.className, fill: "none" }));
  }
  return svg;
}

/** A bar chart: one bar per value, `label` for screen readers. Returns the <svg>. */
export function barChart(values, label, className) {
  const svg = frame(label);
  const y = scale(values);
  const slot = (WIDTH - 2 * PAD) / Math.max(1, values.length);
  values.forEach((value, i) => {
    if (value <= 0) {
      return;
    }
    const top = y(value);
    svg.append(
      svgEl("rect", {
        x: (PAD + i * slot + slot * 0.1).toFixed(1),
        y: top.toFixed(1),
        width: Math.max(1, slot * 0.8).toFixed(1),
        height: (HEIGHT - PAD - top).toFixed(1),
        class: className,
      }),
    );
  });
  return svg;
}
