// The checkout form: email, name, shipping address and whether to show the
// buyer's name to the room. The page's own checks first, then the server's
// `validation_failed`, both worded alike next to the field they name.
import { fillCountrySelect } from "./countries.js";
import { el } from "./dom.js";
import { bindFieldErrors, checkInputs } from "./field-errors.js";
import { setText, t } from "./i18n.js";
import { createSavedDetails } from "./saved-details.js";

const FIELDS = [
  { name: "email", key: "checkout.email", type: "email", autocomplete: "email", required: true, maxLength: 254 },
  { name: "name", key: "checkout.name", autocomplete: "name", required: true, maxLength: 100 },
  { name: "address.line1", key: "checkout.line1", autocomplete: "address-line1", required: true, maxLength: 200 },
  { name: "address.line2", key: "checkout.line2", autocomplete: "address-line2", maxLength: 200 },
  { name: "address.city", key: "checkout.city", autocomplete: "address-level2", required: true, maxLength: 200 },
  { name: "address.region", key: "checkout.region", autocomplete: "address-level1", maxLength: 200 },
  {
    name: "address.postal_code",
    key: "checkout.postal_code",
    autocomplete: "postal-code",
    required: true,
    maxLength: 16,
    pattern: "[A-Za-z0-9][A-Za-z0-9 \\-]*",
  },
  { name: "address.country", key: "checkout.country", autocomplete: "country", required: true, select: true },
];

/** A field's id in the page: "checkout-address-postal_code". */
const fieldId = (name) => `checkout-${name.replace(".", "-")}`;

/**
 * Build the form; `onSubmit(details)` gets `{email, name, address, announce}`
 * once the browser's validation passed.
 */
export function createCheckoutForm({ onSubmit }) {
  const controls = new Map();
  // novalidate: the page words what is wrong in its own language, under the field.
  const form = el("form", { className: "checkout-form fields", noValidate: true });
  const grid = el("div", { className: "checkout-grid" });

  for (const spec of FIELDS) {
    const id = fieldId(spec.name);
    const control = spec.select
      ? el("select", { id, name: spec.name, required: true, autocomplete: spec.autocomplete })
      : el("input", {
          id,
          name: spec.name,
          type: spec.type || "text",
          autocomplete: spec.autocomplete,
          required: Boolean(spec.required),
          maxLength: spec.maxLength,
          ...(spec.pattern ? { pattern: spec.pattern } : {}),
        });
    const label = el("span", {});
    setText(label, spec.key);
    controls.set(spec.name, control);
    const wrapper = el("label", { className: `field field-${spec.name.replace(".", "-")}` }, label, control);
    grid.append(wrapper);
  }
  const country = controls.get("address.country");
  fillCountrySelect(country, t("checkout.choose_country"));

  // The shop's coupon, if the buyer has one: priced by the server when the order is placed.
  const coupon = el("input", {
    id: "checkout-coupon",
    name: "coupon",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: false,
    maxLength: 32,
  });
  const couponLabel = el("span", {});
  setText(couponLabel, "pricing.coupon_label");
  controls.set("coupon", coupon);
  const couponRow = el("label", { className: "field field-coupon" }, couponLabel, coupon);

  const announce = el("input", { type: "checkbox", id: "checkout-announce", name: "announce", checked: true });
  const announceText = el("span", {});
  setText(announceText, "checkout.announce");
  const announceHint = el("small", { className: "muted announce-hint" });
  const announceRow = el("label", { className: "check" }, announce, el("span", {}, announceText, announceHint));

  const submit = el("button", { type: "submit", className: "primary wide" });
  setText(submit, "checkout.continue");
  const formError = el("p", { className: "error", attrs: { role: "alert" } });
  // A returning buyer sees their saved details in short, the fields one tap away.
  const saved = createSavedDetails({ onEdit: () => expand(true) });
  form.append(saved.element, grid, couponRow, announceRow, submit, formError);
  const fieldErrors = bindFieldErrors({ form, fields: Object.fromEntries(controls), summary: formError });

  /** Show the fields again (Change, or a field that needs fixing). */
  function expand(focusFirst) {
    saved.hide();
    grid.hidden = false;
    if (focusFirst) {
      controls.get("email").focus();
    }
  }

  function values() {
    const value = (name) => controls.get(name).value.trim();
    return {
      email: value("email"),
      name: value("name"),
      address: {
        line1: value("address.line1"),
        line2: value("address.line2"),
        city: value("address.city"),
        region: value("address.region"),
        postal_code: value("address.postal_code"),
        country: value("address.country"),
      },
      announce: announce.checked,
      ...(value("coupon") ? { coupon: value("coupon") } : {}),
    };
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const problems = checkInputs(Object.fromEntries(controls));
    if (problems.length) {
      expand(false); // the fields must be seen to be fixed
      fieldErrors.show(problems);
      return;
    }
    fieldErrors.clear();
    onSubmit(values());
  });

  return {
    element: form,
    focus() {
      const first = saved.shown ? null : [...controls.values()].find((control) => control.required && !control.value);
      (first || submit).focus();
    },
    /** Start from a returning buyer's last details (`{email, name, address, announce}`), if any. */
    fill(details) {
      if (!details) {
        return;
      }
      const address = details.address || {};
      for (const [name, control] of controls) {
        const value = name.startsWith("address.") ? address[name.slice("address.".length)] : details[name];
        if (typeof value === "string" && !control.value) {
          control.value = value;
        }
      }
      if (typeof details.announce === "boolean") {
        announce.checked = details.announce;
      }
      if (!checkInputs(Object.fromEntries(controls)).length) {
        saved.show(values());
        grid.hidden = true;
      }
    },
    /** A new checkout starts without the last one's coupon (a code is used once per buyer). */
    clearCoupon() {
      coupon.value = "";
    },
    /** Name the viewer whose name the room would see. */
    setViewerName(name) {
      if (name) {
        setText(announceHint, "checkout.announce_hint", { name });
      } else {
        announceHint.textContent = "";
      }
    },
    /**
     * Show the server's error on the field it names, worded from its reason;
     * true when a field took it (otherwise the caller shows it in general).
     */
    showFieldError(error) {
      const field = error && error.details && error.details.field;
      if (!field || !controls.has(field)) {
        return false;
      }
      expand(false); // the field must be seen to be fixed
      return Boolean(fieldErrors.show(error));
    },
    showError(text) {
      if (!text) {
        fieldErrors.clear();
      }
      formError.textContent = text || "";
    },
    setBusy(value) {
      submit.disabled = value;
      setText(submit, value ? "checkout.saving" : "checkout.continue");
    },
    /** After a language switch: country names in the new language. */
    relabel() {
      fillCountrySelect(country, t("checkout.choose_country"));
      if (saved.shown) {
        saved.show(values()); // the country's name in the new language
      }
    },
  };
}
