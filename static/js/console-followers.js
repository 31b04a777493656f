// The signed-in creator's follower count beside their name in the console's bar.
import { setFollowers } from "./follow-button.js";
import { get } from "./http.js";

/** Show how many viewers follow `creatorId` in `element` (left empty if it cannot load). */
export async function showFollowers(element, creatorId) {
  try {
    const { followers } = await get(`/api/creators/${encodeURIComponent(creatorId)}/follow`);
    setFollowers(element, followers);
  } catch (_unavailable) {
    element.textContent = "";
  }
}
