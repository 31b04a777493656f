// Buyers' error messages: the shop's codes in words, with the numbers the
// server put in `details` (how many are left, the per-buyer limit).
import { errorText } from "./http.js";
import { has, t } from "./i18n.js";

/** The message for a failed Buy now, checkout, payment or order call. */
export function shopErrorText(error) {
  const code = error && error.code;
  const details = (error && error.details) || {};
  switch (code) {
    case "out_of_stock":
      return typeof details.available === "number" && details.available > 0
        ? t("shop.only_left", { n: details.available })
        : t("error.out_of_stock");
    case "per_buyer_limit":
      return typeof details.limit === "number"
        ? t("shop.limit_reached", { n: details.limit })
        : t("error.per_buyer_limit");
    case "card_declined":
      if (details.decline_code && has(`decline.${details.decline_code}`)) {
        return t(`decline.${details.decline_code}`);
      }
      return t("error.card_declined");
    default:
      return errorText(error);
  }
}

/** Whether a failed request may be sent again unchanged (nothing was decided). */
export function retryable(error) {
  const status = error && error.status;
  return status === 0 || status === 502 || status === 503 || status === 504;
}
