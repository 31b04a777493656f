// Postal addresses written the way their country writes them: "Springfield,
// IL 62701" in the US, the postcode on its own line in the UK, "10115 Berlin"
// in Germany, and big to small (country, region, city, street) for Chinese,
// Japanese and Korean addresses on a page in Chinese. A table of formats, one
// per country, not one rule per case.
import { countryName } from "./countries.js";
import { el } from "./dom.js";
import { language, locale } from "./i18n.js";

// %N name, %1 and %2 the street lines, %C city, %S region (state, province,
// prefecture), %Z postal code, %K country. "\n" ends a line. Text between two
// fields is kept only when both are there; text before a line's first field
// (the "〒" of a Japanese postcode) only when that field is there.
const DEFAULT_FORMAT = "%N\n%1\n%2\n%Z %C\n%S\n%K";
const FORMATS = {
  AU: "%N\n%1\n%2\n%C %S %Z\n%K",
  BR: "%N\n%1\n%2\n%C-%S\n%Z\n%K",
  CA: "%N\n%1\n%2\n%C %S %Z\n%K",
  CN: "%N\n%1\n%2\n%C\n%S, %Z\n%K",
  GB: "%N\n%1\n%2\n%C\n%Z\n%K",
  HK: "%N\n%1\n%2\n%C\n%S\n%K",
  IE: "%N\n%1\n%2\n%C\n%S\n%Z\n%K",
  IN: "%N\n%1\n%2\n%C %Z\n%S\n%K",
  JP: "%N\n%1\n%2\n%C, %S\n%Z\n%K",
  KR: "%N\n%1\n%2\n%C, %S\n%Z\n%K",
  MX: "%N\n%1\n%2\n%Z %C, %S\n%K",
  NZ: "%N\n%1\n%2\n%C %Z\n%K",
  SG: "%N\n%1\n%2\n%K %Z",
  TW: "%N\n%1\n%2\n%C, %S %Z\n%K",
  US: "%N\n%1\n%2\n%C, %S %Z\n%K",
  // Postcode before the city, region after it (the default covers the rest of Europe).
  ES: "%N\n%1\n%2\n%Z %C\n%S\n%K",
  IT: "%N\n%1\n%2\n%Z %C %S\n%K",
};
// The same countries written big to small, the way a Chinese reader writes them.
const BIG_TO_SMALL = {
  CN: "%K %S %C\n%1\n%2\n%Z\n%N",
  HK: "%K %S %C\n%1\n%2\n%N",
  JP: "%K\n〒%Z\n%S %C\n%1\n%2\n%N",
  KR: "%K %S %C\n%1\n%2\n%Z\n%N",
  MO: "%K %S %C\n%1\n%2\n%N",
  TW: "%K %S %C\n%1\n%2\n%Z\n%N",
};
const FIELD = /(%[NCSZK12])/;

/** The format of `country` for a page in `lang` ("en" or "zh-CN"). */
function formatFor(country, lang) {
  if (lang === "zh-CN" && BIG_TO_SMALL[country]) {
    return BIG_TO_SMALL[country];
  }
  return FORMATS[country] || DEFAULT_FORMAT;
}

/** One line of a format filled with `values`; "" when none of its fields is there. */
function fillLine(template, values) {
  const parts = template.split(FIELD); // literal, field, literal, field, ..., literal
  let line = "";
  let filled = 0;
  for (let index = 1; index < parts.length; index += 2) {
    const value = values[parts[index]];
    if (!value) {
      continue;
    }
    if (index === 1 || filled > 0) {
      line += parts[index - 1];
    }
    line += value;
    filled += 1;
  }
  return line.trim();
}

/**
 * The address as lines of text in its country's order, the country named in
 * the page's language (`lang`, "en" or "zh-CN", defaults to the page's own).
 */
export function addressLines(address, { name = "", lang = language() } = {}) {
  const a = address || {};
  const country = String(a.country || "").toUpperCase();
  const text = (value) => String(value || "").trim();
  const values = {
    "%N": text(name),
    "%1": text(a.line1),
    "%2": text(a.line2),
    "%C": text(a.city),
    "%S": text(a.region),
    "%Z": text(a.postal_code),
    // The page's own locale keeps the reader's English variant (en-GB, en-US).
    "%K": country ? countryName(country, lang === language() ? locale() : lang) : "",
  };
  return formatFor(country, lang)
    .split("\n")
    .map((line) => fillLine(line, values))
    .filter(Boolean);
}

/**
 * The address as an <address> element: one line of text each (never markup).
 * @param {Record<string, any>} address
 * @param {{className?: string, name?: string}} [options]
 */
export function addressElement(address, { className = "postal-address", ...options } = {}) {
  const node = el("address", { className });
  addressLines(address, options).forEach((line, index) => {
    if (index) {
      node.append(el("br"));
    }
    node.append(line);
  });
  return node;
}
