// The guest's display name: chosen once (PUT /api/viewer sets a guest cookie),
// changeable later. The chat's name form and the checkout both use it.
import { withChallenge } from "./challenge.js";
import { bindFieldErrors, checkInputs } from "./field-errors.js";
import { get, put } from "./http.js";

/**
 * Wire the name form. `onName(viewer)` runs after a name was saved (the room
 * reconnects so the server knows who is talking); `onChange(viewer | null)`
 * after every change, to show or hide the chat input. Returns a controller:
 * `viewer` (null until known), `ready` (resolves with it once asked) and
 * `choose(name)` to save a name from elsewhere (the checkout asks for one).
 */
export function setUpViewerName({ form, input, current, changeButton, error, onName, onChange }) {
  let viewer = null;
  // The page words what is wrong under the input, in its own language (no browser bubble).
  form.noValidate = true;
  const fieldErrors = bindFieldErrors({ form, fields: { display_name: input }, summary: error });

  function render() {
    form.hidden = Boolean(viewer);
    current.parentElement.hidden = !viewer;
    if (viewer) {
      current.textContent = viewer.display_name; // text, never markup
    }
    onChange(viewer);
  }

  /**
   * Save `name` (creates the guest the first time, with the browser check the
   * server asks of a busy address); throws a ServerError.
   */
  async function choose(name) {
    const body = await withChallenge((challenge) =>
      put("/api/viewer", challenge ? { display_name: name, challenge } : { display_name: name }),
    );
    viewer = body.viewer;
    render();
    onName(viewer);
    window.dispatchEvent(new CustomEvent("livesale:viewer")); // e.g. the bell starts
    return viewer;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkInputs({ display_name: input });
    if (problems.length) {
      fieldErrors.show(problems);
      return;
    }
    fieldErrors.clear();
    try {
      await choose(input.value.trim());
    } catch (failure) {
      fieldErrors.show(failure);
    }
  });
  changeButton.addEventListener("click", () => {
    input.value = viewer ? viewer.display_name : "";
    viewer = null;
    render();
    input.focus();
  });

  async function load() {
    try {
      const body = await get("/api/viewer");
      viewer = body && body.viewer ? body.viewer : null;
    } catch (_unavailable) {
      viewer = null;
    }
    render();
    return viewer;
  }

  const ready = load();
  return {
    ready,
    choose,
    get viewer() {
      return viewer;
    },
  };
}
