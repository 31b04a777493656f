// The camera and microphone choice of a broadcaster: two selects kept in step
// with the devices present and the ones in use.
import { el } from "./dom.js";
import { setText, t } from "./i18n.js";

function fill(select, devices, inUse, kind) {
  const chosen = inUse || select.value;
  select.replaceChildren(
    ...devices.map((device, index) =>
      // A device label is text, never markup.
      el("option", { value: device.deviceId, textContent: device.label || t(`host.${kind}_n`, { n: index + 1 }) }),
    ),
  );
  if (!devices.length) {
    const none = el("option", { value: "" });
    setText(none, `host.none_${kind}`);
    select.append(none);
  }
  if (chosen && devices.some((d) => d.deviceId === chosen)) {
    select.value = chosen;
  }
}

/** Bind `camera` and `microphone` selects to `broadcaster`; returns `{refresh()}`. */
export function createDevicePicker(broadcaster, { camera, microphone }) {
  async function refresh() {
    if (!navigator.mediaDevices || !broadcaster.stream) {
      return;
    }
    const found = await broadcaster.devices();
    fill(camera, found.cameras, found.camera, "camera");
    fill(microphone, found.microphones, found.microphone, "microphone");
  }

  for (const select of [camera, microphone]) {
    select.addEventListener("change", async () => {
      await broadcaster.openCamera({ camera: camera.value, microphone: microphone.value });
      await refresh();
    });
  }
  navigator.mediaDevices?.addEventListener?.("devicechange", () => {
    refresh().catch(() => {});
  });
  return { refresh };
}
