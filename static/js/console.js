// The creator console: sign-in, then products, shows, each show's room and orders.
import { analyticsView } from "./console-analytics.js";
import { fetchMe, setUpAuth } from "./console-auth.js";
import { setUpPasskeySignIn } from "./console-passkeys.js";
import { confirmSignOut, resumeBroadcast } from "./console-broadcast.js";
import { showFollowers } from "./console-followers.js";
import { messagesView, watchShopMessages } from "./console-messages.js";
import { orderView } from "./console-order.js";
import { ordersView } from "./console-orders.js";
import { packingView } from "./console-packing.js";
import { productFormView } from "./console-product-form.js";
import { productsView } from "./console-products.js";
import { reviewsView } from "./console-reviews.js";
import { activeView, navigate, render, startRouter } from "./console-router.js";
import { pricingView } from "./console-pricing.js";
import { settingsView } from "./console-settings.js";
import { showFormView } from "./console-show-form.js";
import { showRoomView } from "./console-show.js";
import { showsView } from "./console-shows.js";
import { $ } from "./dom.js";
import { initI18n, onLanguageChange } from "./i18n.js";
import { mountOnAirDock } from "./on-air-dock.js";

initI18n();
mountOnAirDock();
let me; // undefined until asked, then the creator or null
let resumed = false;

async function signedIn() {
  if (me === undefined) {
    try {
      me = await fetchMe();
    } catch (_unavailable) {
      me = null;
    }
  }
  $("nav").hidden = !me;
  if (!me) {
    $("view-auth").hidden = false;
    $("login-email").focus();
    return false;
  }
  $("me").textContent = me.display_name; // text, never markup
  showFollowers($("me-followers"), me.id);
  watchShopMessages();
  if (!resumed) {
    resumed = true;
    resumeBroadcast(); // after a reload while live, this tab carries on by itself
  }
  return true;
}

/** After a password or passkey sign-in: the creator's console. */
function enterAs(creator) {
  me = creator;
  render();
}

setUpPasskeySignIn(enterAs);
setUpAuth({
  onSignedIn: enterAs,
  onSignedOut() {
    me = null;
    navigate("/console", { replace: true });
  },
  confirmSignOut,
});

startRouter(
  [
    [/^\/console\/?$/, { redirect: "/console/shows" }],
    [/^\/console\/products\/?$/, productsView],
    [/^\/console\/products\/new$/, productFormView],
    [/^\/console\/products\/([^/]+)$/, productFormView],
    [/^\/console\/shows\/?$/, showsView],
    [/^\/console\/shows\/new$/, showFormView],
    [/^\/console\/shows\/([^/]+)$/, showRoomView],
    [/^\/console\/shows\/([^/]+)\/analytics$/, analyticsView],
    [/^\/console\/shows\/([^/]+)\/packing-list$/, packingView],
    [/^\/console\/orders\/?$/, ordersView],
    [/^\/console\/orders\/([^/]+)$/, orderView],
    [/^\/console\/settings\/?$/, settingsView],
    [/^\/console\/reviews\/?$/, reviewsView],
    [/^\/console\/pricing\/?$/, pricingView],
    [/^\/console\/messages\/?$/, messagesView],
    [/^\/console\/messages\/([^/]+)$/, messagesView],
  ],
  signedIn,
);

onLanguageChange(() => {
  const view = activeView();
  if (view && view.relabel) {
    view.relabel(); // re-format prices and dates in the new locale
  }
});
