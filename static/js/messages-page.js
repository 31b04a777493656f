// The person's messages with shops (/messages): the inbox, one thread at a
// time on a phone (side by side on a wide screen), and a first message to a
// shop from `?to=<creator_id>` (with `&order=` or `&product=` to attach a card).
// A moderator answers for a shop from `?shop=<creator_id>`: that shop's inbox.
// Writing to shops needs an account: a guest without one is asked to make it
// (the account menu's sheet) and may only read what they wrote before.
import { openAccountMenu, setUpAccountMenu } from "./account-menu.js";
import { $ } from "./dom.js";
import { errorText, get, post } from "./http.js";
import { initI18n, onLanguageChange, setText } from "./i18n.js";
import { fetchInbox, listenForMessages, writeToShop } from "./messages-api.js";
import { createThread, inboxList } from "./messages-thread.js";
import { setUpViewerName } from "./viewer-name.js";

initI18n();
setUpAccountMenu(document.querySelector("header.bar"));
const query = new URLSearchParams(location.search);
let openId = query.get("c");
const shopId = query.get("shop"); // answering for this shop, as its moderator
let thread = null;
let stopListening = null;
let canWrite = true; // false: a guest without an account (asked to make one)

function about() {
  if (query.get("order")) {
    return { order_id: query.get("order") };
  }
  return query.get("product") ? { product_id: query.get("product") } : {};
}

async function loadInbox() {
  try {
    const body = await fetchInbox(shopId);
    $("dm-inbox").replaceChildren(inboxList(body.conversations, openId, open));
    return body.conversations;
  } catch (failure) {
    $("dm-error").textContent = errorText(failure);
    return [];
  }
}

function open(id) {
  openId = id;
  const here = new URLSearchParams(shopId ? { shop: shopId, c: id } : { c: id });
  history.replaceState(null, "", `/messages?${here}`);
  $("dm-new").hidden = true;
  $("dm-thread").hidden = false;
  $("dm-layout").dataset.open = "thread";
  thread = createThread($("dm-thread-body"), id, { about: pendingAbout, onChange: loadInbox, canWrite });
  pendingAbout = {};
}

let pendingAbout = {};

async function startWith(creatorId, conversations) {
  const existing = conversations.find((item) => item.creator_id === creatorId);
  if (existing) {
    pendingAbout = about();
    open(existing.id);
    return;
  }
  let shopName = "";
  try {
    shopName = (await get(`/api/creators/${encodeURIComponent(creatorId)}`)).creator.display_name;
  } catch (_gone) {
    shopName = "";
  }
  setText($("dm-new-heading"), "messages.to", { name: shopName });
  $("dm-new").hidden = false;
  $("dm-layout").dataset.open = "thread";
  $("dm-new-form").onsubmit = async (event) => {
    event.preventDefault();
    const text = $("dm-new-text", HTMLTextAreaElement).value.trim();
    if (!text) {
      return;
    }
    try {
      const sent = await writeToShop(creatorId, text, about());
      $("dm-new-text", HTMLTextAreaElement).value = "";
      await loadInbox();
      open(sent.conversation_id);
    } catch (failure) {
      $("dm-new-error").textContent = errorText(failure);
    }
  };
}

/** A first message about one of the person's orders: the server finds the order's shop. */
function startAboutOrder(orderId) {
  setText($("dm-new-heading"), "messages.about_order", { id: orderId.slice(0, 8) });
  $("dm-new").hidden = false;
  $("dm-layout").dataset.open = "thread";
  $("dm-new-form").onsubmit = async (event) => {
    event.preventDefault();
    const text = $("dm-new-text", HTMLTextAreaElement).value.trim();
    if (!text) {
      return;
    }
    try {
      const sent = await post(`/api/orders/${encodeURIComponent(orderId)}/messages`, { text });
      $("dm-new-text", HTMLTextAreaElement).value = "";
      await loadInbox();
      open(sent.conversation_id);
    } catch (failure) {
      $("dm-new-error").textContent = errorText(failure);
    }
  };
}

async function start(viewer) {
  $("dm-layout").hidden = !viewer;
  if (!viewer || stopListening) {
    return;
  }
  const conversations = await loadInbox();
  // Without an account only conversations from before are shown, to read.
  $("dm-layout").hidden = !canWrite && !conversations.length;
  const to = query.get("to");
  if (!canWrite) {
    if (openId) {
      open(openId);
    }
  } else if (to && !shopId) {
    await startWith(to, conversations);
  } else if (query.get("order") && !shopId) {
    startAboutOrder(query.get("order"));
  } else if (openId) {
    open(openId);
  }
  stopListening = listenForMessages(shopId, (news) => {
    loadInbox();
    if (thread && (news.type === "resync" || news.conversation_id === thread.id)) {
      thread.refresh();
    }
  });
}

$("dm-back").addEventListener("click", () => {
  openId = null;
  thread = null;
  $("dm-thread").hidden = true;
  delete $("dm-layout").dataset.open;
  history.replaceState(null, "", shopId ? `/messages?shop=${encodeURIComponent(shopId)}` : "/messages");
  loadInbox();
});

/** A guest without an account: the invitation to make one instead of a composer. */
async function invite() {
  canWrite = false;
  $("dm-join").hidden = false;
  $("dm-join-button").addEventListener("click", () => openAccountMenu().catch(() => {}));
  try {
    const { viewer } = await get("/api/viewer");
    await start(viewer);
  } catch (_unreachable) {
    // The invitation stands; older conversations show on the next visit.
  }
}

/** The person (or a moderator, who answers for a shop as the guest the creator named). */
function setUpWriter() {
  setUpViewerName({
    form: $("name-form"),
    input: $("name-input", HTMLInputElement),
    current: $("name-current"),
    changeButton: $("name-change"),
    error: $("name-error"),
    onName: () => {},
    onChange: start,
  });
}

async function begin() {
  if (shopId) {
    setUpWriter();
    return;
  }
  let account = null;
  try {
    account = (await get("/api/viewer/account")).account;
  } catch (failure) {
    $("dm-error").textContent = errorText(failure);
    return;
  }
  if (account) {
    setUpWriter();
  } else {
    await invite();
  }
}

begin();

onLanguageChange(() => {
  loadInbox();
  if (thread) {
    thread.refresh();
  }
});
