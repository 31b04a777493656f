// The signed-in creator's follower count beside their name in the console's bar.
import { get } from "./http.js";
import { formatCount } from "./format.js";
import { setText } from "./i18n.js";

/** Show how many viewers follow `creatorId` in `element` (left empty if it cannot load). */
export async function showFollowers(element, creatorId) {
  try {
    const { followers } = await get(`/api/creators/${encodeURIComponent(creatorId)}/follow`);
    if (followers === 1) {
      setText(element, "follow.followers_one");
    } else {
      setText(element, "follow.followers", { count: formatCount(followers) });
    }
    element.dataset.count = String(followers);
  } catch (_unavailable) {
    element.textContent = "";
  }
}
