// Image uploads (POST /api/images with the file's own type) and their thumbnails.
import { el } from "./dom.js";
import { errorText, upload } from "./http.js";
import { t } from "./i18n.js";

/**
 * Manage a list of images in `list` fed by the file `input`. `single` keeps at
 * most one (a cover). `onError(text)` reports failed uploads (and "" after one that worked).
 * Returns `{set(images), images()}` with images as `{id, url}`.
 */
export function createImageList({ list, input, single = false, onError }) {
  let images = [];

  function draw() {
    list.replaceChildren(
      ...images.map((image, index) => {
        const remove = el("button", {
          type: "button",
          className: "mini",
          textContent: "✕",
          attrs: { "aria-label": t("images.remove", { n: index + 1 }) },
        });
        remove.addEventListener("click", () => {
          images = images.filter((other) => other !== image);
          draw();
        });
        return el("li", { className: "thumb-item" }, el("img", { className: "thumb", src: image.url, alt: "" }), remove);
      }),
    );
  }

  input.addEventListener("change", async () => {
    const files = [...input.files];
    input.value = "";
    for (const file of files) {
      try {
        const body = await upload("/api/images", file);
        const image = { id: body.image.id, url: body.image.url };
        images = single ? [image] : [...images, image];
        draw();
        onError(""); // an earlier failed upload is no longer the news
      } catch (error) {
        onError(errorText(error));
      }
    }
  });

  return {
    set(next) {
      images = (next || []).map((image) => ({ id: image.id, url: image.url }));
      draw();
    },
    images: () => images,
  };
}
