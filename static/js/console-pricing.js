// The shop's prices beyond the catalogue (/console/pricing): the shipping
// profile (per order, per item, free from an amount, countries) and coupons
// with how each did (uses, discount given, revenue of the orders with it).
import { notify, showError } from "./console-notice.js";
import { $, el } from "./dom.js";
import { bindFieldErrors } from "./field-errors.js";
import { formatDateTime, formatMoney, minorToInput, parseMoney } from "./format.js";
import { errorText, get, post, put } from "./http.js";
import { setText, t } from "./i18n.js";

const DEFAULT_CURRENCY = "EUR";
// A coupon's terms: what PUT /api/coupons/{id} takes back (its uses and figures stay the server's).
const TERMS = [
  "code",
  "kind",
  "value",
  "currency",
  "max_discount_minor",
  "show_id",
  "min_spend_minor",
  "first_order_only",
  "max_uses",
  "starts_at",
  "ends_at",
];
/** @param {string} id */
const input = (id) => $(id, HTMLInputElement);
/** @param {string} id */
const select = (id) => $(id, HTMLSelectElement);
let coupons = [];
let shows = [];

const shippingErrors = bindFieldErrors({
  form: $("shipping-form"),
  fields: {
    currency: $("shipping-currency"),
    flat_minor: $("shipping-flat"),
    per_item_minor: $("shipping-per-item"),
    free_above_minor: $("shipping-free-above"),
    countries: $("shipping-countries"),
  },
  summary: $("shipping-error"),
});
const couponErrors = bindFieldErrors({
  form: $("coupon-form"),
  fields: {
    code: $("coupon-code"),
    value: $("coupon-value"),
    currency: $("coupon-currency"),
    max_discount_minor: $("coupon-cap"),
    min_spend_minor: $("coupon-min-spend"),
    max_uses: $("coupon-max-uses"),
    starts_at: $("coupon-starts"),
    ends_at: $("coupon-ends"),
  },
  summary: $("coupon-error"),
});

/**
 * A typed amount in minor units (an empty input is `empty`); what cannot be read is sent as typed.
 * @param {HTMLInputElement} field
 * @param {string} currency
 * @param {number | null} [empty]
 */
function amount(field, currency, empty = null) {
  const text = field.value.trim();
  if (!text) {
    return empty;
  }
  const minor = parseMoney(text, currency);
  return minor === null ? text : minor; // the server words what is wrong with it
}

/**
 * A datetime-local input as epoch seconds, or null.
 * @param {HTMLInputElement} field
 */
function epoch(field) {
  return field.value ? new Date(field.value).getTime() / 1000 : null;
}

function fillShipping(profile) {
  const currency = (profile && profile.currency) || DEFAULT_CURRENCY;
  input("shipping-currency").value = currency;
  input("shipping-flat").value = profile ? minorToInput(profile.flat_minor, currency) : "";
  input("shipping-per-item").value = profile ? minorToInput(profile.per_item_minor, currency) : "";
  input("shipping-free-above").value =
    profile && profile.free_above_minor !== null ? minorToInput(profile.free_above_minor, currency) : "";
  input("shipping-countries").value = profile ? profile.countries.join(", ") : "";
}

$("shipping-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const currency = input("shipping-currency").value.trim().toUpperCase();
  const body = {
    currency,
    flat_minor: amount(input("shipping-flat"), currency, 0),
    per_item_minor: amount(input("shipping-per-item"), currency, 0),
    free_above_minor: amount(input("shipping-free-above"), currency),
    countries: input("shipping-countries")
      .value.split(/[\s,]+/)
      .filter(Boolean),
  };
  try {
    const saved = await put("/api/shipping-profile", body);
    shippingErrors.clear();
    fillShipping(saved.shipping_profile);
    notify("common.saved");
  } catch (error) {
    shippingErrors.show(error);
  }
});

/** "10% off (at most €8.00)" or "€5.00 off", with its conditions. */
function couponTerms(coupon) {
  const money = (minor) => formatMoney(minor, coupon.currency);
  const parts = [
    coupon.kind === "percent"
      ? t("pricing.percent_off", { n: coupon.value })
      : t("pricing.amount_off", { amount: money(coupon.value) }),
  ];
  if (coupon.max_discount_minor) {
    parts.push(t("pricing.at_most", { amount: money(coupon.max_discount_minor) }));
  }
  if (coupon.min_spend_minor) {
    parts.push(t("pricing.from_spend", { amount: money(coupon.min_spend_minor) }));
  }
  if (coupon.first_order_only) {
    parts.push(t("pricing.first_order_only"));
  }
  const show = coupon.show_id && shows.find((item) => item.id === coupon.show_id);
  parts.push(show ? t("pricing.in_show", { title: show.title }) : t("pricing.every_show"));
  if (coupon.ends_at) {
    parts.push(t("pricing.until", { time: formatDateTime(coupon.ends_at) }));
  }
  return parts.join(" · ");
}

function couponRow(coupon) {
  const money = (minor) => formatMoney(minor, coupon.currency);
  const uses = coupon.max_uses
    ? t("pricing.uses_of", { n: coupon.uses_taken, max: coupon.max_uses })
    : t("pricing.uses", { n: coupon.uses_taken });
  const stats = t("pricing.stats", {
    uses: coupon.paid_uses,
    discount: money(coupon.discount_minor),
    revenue: money(coupon.revenue_minor),
  });
  const toggle = el("button", { type: "button", className: "secondary small" });
  setText(toggle, coupon.enabled ? "pricing.disable" : "pricing.enable");
  toggle.addEventListener("click", async () => {
    try {
      const terms = Object.fromEntries(TERMS.map((name) => [name, coupon[name]]));
      await put(`/api/coupons/${encodeURIComponent(coupon.id)}`, { ...terms, enabled: !coupon.enabled });
      await loadCoupons();
    } catch (error) {
      showError($("coupons-error"), errorText(error));
    }
  });
  const state = el("span", { className: coupon.enabled ? "badge" : "badge muted" });
  setText(state, coupon.enabled ? "pricing.enabled" : "pricing.disabled");
  return el(
    "li",
    { className: "row coupon-row", dataset: { code: coupon.code } },
    el(
      "span",
      { className: "row-main" },
      el("strong", { className: "sku", textContent: coupon.code }),
      el("span", { className: "muted", textContent: couponTerms(coupon) }),
      el("span", { className: "coupon-stats", textContent: `${uses} · ${stats}` }),
    ),
    state,
    toggle,
  );
}

function drawCoupons() {
  $("coupons").replaceChildren(...coupons.map(couponRow));
  if (!coupons.length) {
    $("coupons").append(el("li", { className: "muted", textContent: t("pricing.no_coupons") }));
  }
}

function fillShows() {
  const list = select("coupon-show");
  const chosen = list.value;
  const every = el("option", { value: "", textContent: t("pricing.every_show") });
  list.replaceChildren(every, ...shows.map((show) => el("option", { value: show.id, textContent: show.title })));
  list.value = chosen;
}

async function loadCoupons() {
  showError($("coupons-error"), "");
  try {
    coupons = (await get("/api/coupons")).coupons || [];
  } catch (error) {
    coupons = [];
    showError($("coupons-error"), errorText(error));
  }
  drawCoupons();
}

$("coupon-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const currency = input("coupon-currency").value.trim().toUpperCase();
  const kind = select("coupon-kind").value;
  const maxUses = input("coupon-max-uses").value.trim();
  const value = kind === "percent" ? Number(input("coupon-value").value.trim()) : amount(input("coupon-value"), currency);
  const body = {
    code: input("coupon-code").value.trim(),
    kind,
    value,
    currency,
    max_discount_minor: kind === "percent" ? amount(input("coupon-cap"), currency) : null,
    min_spend_minor: amount(input("coupon-min-spend"), currency, 0),
    max_uses: maxUses ? Number(maxUses) : null,
    show_id: select("coupon-show").value || null,
    starts_at: epoch(input("coupon-starts")),
    ends_at: epoch(input("coupon-ends")),
    first_order_only: input("coupon-first-order").checked,
  };
  try {
    await post("/api/coupons", body);
    couponErrors.clear();
    $("coupon-form", HTMLFormElement).reset();
    input("coupon-currency").value = currency;
    notify("pricing.coupon_added", { code: body.code.toUpperCase() });
    await loadCoupons();
  } catch (error) {
    couponErrors.show(error);
  }
});

async function enter() {
  shippingErrors.clear();
  couponErrors.clear();
  try {
    fillShipping((await get("/api/shipping-profile")).shipping_profile);
  } catch (error) {
    showError($("shipping-error"), errorText(error));
  }
  if (!input("coupon-currency").value) {
    input("coupon-currency").value = input("shipping-currency").value || DEFAULT_CURRENCY;
  }
  try {
    shows = (await get("/api/shows?mine=1")).shows || [];
  } catch (_noShows) {
    shows = [];
  }
  fillShows();
  await loadCoupons();
}

function relabel() {
  fillShows();
  drawCoupons();
}

export const pricingView = { section: "view-pricing", enter, relabel };
