// The console's "Download my data": everything kept about the creator and their shop.
import { showError } from "./console-notice.js";
import { $ } from "./dom.js";
import { errorText, get } from "./http.js";
import { saveJson } from "./save-file.js";

const button = $("console-download-data", HTMLButtonElement);

button.addEventListener("click", async () => {
  button.disabled = true;
  showError($("data-error"), "");
  try {
    saveJson(await get("/api/console/export"), "livesale-my-shop-data.json");
  } catch (error) {
    showError($("data-error"), errorText(error));
  } finally {
    button.disabled = false;
  }
});
