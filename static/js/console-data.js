// The console's "Download my data": everything kept about the creator and their shop.
import { showError } from "./console-notice.js";
import { $ } from "./dom.js";
import { errorText, get } from "./http.js";
import { onLanguageChange } from "./i18n.js";
import { saveJson } from "./save-file.js";

const button = $("console-download-data", HTMLButtonElement);
/** @type {unknown} the last download's refusal, kept to be said again in a new language */
let failure = null;

function drawFailure() {
  showError($("data-error"), failure ? errorText(failure) : "");
}

button.addEventListener("click", async () => {
  button.disabled = true;
  failure = null;
  drawFailure();
  try {
    saveJson(await get("/api/console/export"), "livesale-my-shop-data.json");
  } catch (error) {
    failure = error;
    drawFailure();
  } finally {
    button.disabled = false;
  }
});
onLanguageChange(drawFailure);
