// Paying an order: the dummy gateway's test-card form (and its second step),
// or Stripe's Payment Element, loaded from js.stripe.com only when needed.
import { authenticatePayment, fetchOrder, payWithCard, refreshOrder } from "./checkout-api.js";
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { language, setText, t } from "./i18n.js";
import { shopErrorText } from "./shop-errors.js";

const STRIPE_JS = "https://js.stripe.com/v3/";
const TEST_CARDS = [
  ["4242 4242 4242 4242", "pay.card_pays"],
  ["4000 0000 0000 0002", "pay.card_declined"],
  ["4000 0027 6000 3184", "pay.card_asks"],
];
/** @typedef {(publishableKey: string, options?: {locale?: string}) => any} StripeFactory Stripe.js's `Stripe(...)` */

/** @type {Promise<StripeFactory> | null} */
let stripeLoading = null;
/** The page's window, where Stripe.js puts its `Stripe` function once loaded. */
const page = /** @type {Window & {Stripe?: StripeFactory}} */ (window);

/**
 * Stripe.js, added to the page once, on first use.
 * @returns {Promise<StripeFactory>}
 */
function loadStripe() {
  if (page.Stripe) {
    return Promise.resolve(page.Stripe);
  }
  if (!stripeLoading) {
    stripeLoading = new Promise((resolve, reject) => {
      const script = el("script", { src: STRIPE_JS, async: true });
      script.addEventListener("load", () =>
        page.Stripe ? resolve(page.Stripe) : reject(new Error("Stripe.js did not start")),
      );
      script.addEventListener("error", () => {
        stripeLoading = null; // try again next time
        script.remove();
        reject(new Error("Stripe.js could not be loaded"));
      });
      document.head.append(script);
    });
  }
  return stripeLoading;
}

/**
 * The payment form for `order` (pending) and its `payment` from the API.
 * `onDone(order)` runs once the order is no longer waiting for this form
 * (paid, refunded because it sold out meanwhile, canceled...).
 */
export function createPaymentStep({ order, payment, onDone }) {
  const element = el("div", { className: "payment-step", dataset: { gateway: payment.gateway || "" } });
  const total = () => formatMoney(order.total_minor, order.currency);
  const error = el("p", { className: "error pay-error", attrs: { role: "alert" } });
  let payButton = null;
  let paying = false;

  function setPaying(value) {
    paying = value;
    if (payButton) {
      payButton.disabled = value;
      setText(payButton, value ? "pay.paying" : "pay.pay", { total: total() });
    }
  }

  function showError(text) {
    delete error.dataset.i18n;
    error.textContent = text || "";
  }

  /** After a response: finished, or waiting for the second step. */
  function settle(body) {
    if (body.order.status !== "pending_payment") {
      onDone(body.order);
      return true;
    }
    return false;
  }

  /** An order_state answer means the order moved on without us: show where it is. */
  async function recover(failure) {
    if (failure.code !== "order_state") {
      return false;
    }
    try {
      return settle(await fetchOrder(order.id));
    } catch (_stillFailing) {
      return false;
    }
  }

  // ---- The dummy gateway ---------------------------------------------------

  function dummyForm() {
    const input = el("input", {
      id: "pay-card",
      name: "card_number",
      inputMode: "numeric",
      autocomplete: "cc-number",
      required: true,
      maxLength: 23,
      pattern: "[0-9 ]{12,23}",
      placeholder: "4242 4242 4242 4242",
    });
    const label = el("span", {});
    setText(label, "pay.card_number");
    const note = el("p", { className: "muted pay-note" });
    setText(note, "pay.test_mode");
    const cards = el(
      "ul",
      { className: "test-cards" },
      ...TEST_CARDS.map(([number, key]) => {
        const use = el("button", { type: "button", className: "link test-card", textContent: number });
        use.addEventListener("click", () => {
          input.value = number;
          showError("");
          input.focus();
        });
        const what = el("span", { className: "muted" });
        setText(what, key);
        return el("li", {}, use, " ", what);
      }),
    );
    payButton = el("button", { type: "submit", className: "primary wide pay" });
    setText(payButton, "pay.pay", { total: total() });
    const form = el(
      "form",
      { className: "pay-form fields" },
      el("label", { className: "field" }, label, input),
      note,
      cards,
      payButton,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (paying || !form.reportValidity()) {
        return;
      }
      showError("");
      setPaying(true);
      try {
        const body = await payWithCard(payment.payment_id, input.value);
        if (!settle(body) && body.payment && body.payment.status === "requires_action") {
          showAuthentication();
        }
      } catch (failure) {
        if (!(await recover(failure))) {
          showError(shopErrorText(failure));
          input.select();
        }
      } finally {
        setPaying(false);
      }
    });
    return form;
  }

  function showAuthentication() {
    const heading = el("h3", {});
    setText(heading, "pay.auth_heading");
    const text = el("p", { className: "muted" });
    setText(text, "pay.auth_text", { total: total() });
    const approve = el("button", { type: "button", className: "primary", dataset: { action: "approve" } });
    setText(approve, "pay.approve");
    const refuse = el("button", { type: "button", className: "secondary", dataset: { action: "refuse" } });
    setText(refuse, "pay.refuse");
    const panel = el(
      "section",
      { className: "pay-auth", attrs: { "aria-labelledby": "pay-auth-heading" } },
      heading,
      text,
      el("div", { className: "actions" }, approve, refuse),
    );
    heading.id = "pay-auth-heading";

    async function answer(yes) {
      approve.disabled = true;
      refuse.disabled = true;
      showError("");
      try {
        settle(await authenticatePayment(payment.payment_id, yes));
      } catch (failure) {
        if (await recover(failure)) {
          return;
        }
        if (failure.code === "card_declined") {
          // Refused (or declined): back to the card form to try again.
          element.replaceChildren(dummyForm(), error);
          showError(shopErrorText(failure));
          return;
        }
        showError(shopErrorText(failure));
        approve.disabled = false;
        refuse.disabled = false;
      }
    }
    approve.addEventListener("click", () => answer(true));
    refuse.addEventListener("click", () => answer(false));
    element.replaceChildren(panel, error);
    approve.focus();
  }

  // ---- Stripe ------------------------------------------------------------------

  async function stripeForm() {
    const mount = el("div", { className: "stripe-element" });
    const loading = el("p", { className: "muted" });
    setText(loading, "pay.loading");
    payButton = el("button", { type: "submit", className: "primary wide pay", disabled: true });
    setText(payButton, "pay.pay", { total: total() });
    const form = el("form", { className: "pay-form fields" }, loading, mount, payButton);
    element.replaceChildren(form, error);
    if (!payment.client_secret || !payment.publishable_key) {
      loading.remove();
      setText(error, "pay.unavailable");
      return;
    }
    let stripe;
    let elements;
    try {
      const Stripe = await loadStripe();
      stripe = Stripe(payment.publishable_key, { locale: language() === "zh-CN" ? "zh" : "en" });
      elements = stripe.elements({
        clientSecret: payment.client_secret,
        appearance: { theme: "night", variables: { colorPrimary: "#ff3358" } },
      });
      const paymentElement = elements.create("payment", {
        defaultValues: { billingDetails: { name: order.name, email: order.email } },
      });
      paymentElement.on("ready", () => {
        loading.remove();
        payButton.disabled = false;
      });
      paymentElement.mount(mount);
    } catch (_blocked) {
      loading.remove();
      setText(error, "pay.stripe_failed");
      return;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (paying) {
        return;
      }
      showError("");
      setPaying(true);
      try {
        const result = await stripe.confirmPayment({
          elements,
          confirmParams: { return_url: new URL(`/orders/${encodeURIComponent(order.id)}`, location.href).href },
          redirect: "if_required", // cards without a bank redirect keep the show on screen
        });
        if (result.error) {
          showError(result.error.message || t("error.card_declined")); // Stripe's own words, localised
          return;
        }
        const body = await refreshOrder(order.id);
        if (!settle(body)) {
          onDone(body.order); // still processing: the confirmation says we wait for it
        }
      } catch (failure) {
        showError(shopErrorText(failure));
      } finally {
        setPaying(false);
      }
    });
  }

  if (payment.gateway === "stripe") {
    stripeForm();
  } else if (payment.status === "requires_action") {
    showAuthentication();
  } else {
    element.replaceChildren(dummyForm(), error);
  }

  return {
    element,
    /** Amounts in the new language's number format. */
    relabel() {
      if (payButton) {
        setText(payButton, paying ? "pay.paying" : "pay.pay", { total: total() });
      }
      for (const node of element.querySelectorAll("[data-i18n='pay.auth_text']")) {
        setText(node, "pay.auth_text", { total: total() });
      }
    },
  };
}
