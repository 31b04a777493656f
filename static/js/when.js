// When a show starts or ended, in the reader's own time zone and language, with a
// short relative hint ("in 2 hours", "tomorrow") for the ones still to come, and
// how long a replay runs.
import { formatNumber, locale, t } from "./i18n.js";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// A show whose start passed this recently is "starting soon"; later it is overdue.
const LATE_AFTER_MS = 2 * HOUR;
// Beyond a week the date says enough.
const HINT_DAYS = 7;

/** Epoch seconds as weekday, date and time with the zone, e.g. "Tue, Mar 3, 8:00 PM GMT+8". */
export function formatShowTime(epochSeconds) {
  return new Intl.DateTimeFormat(locale(), {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(epochSeconds * 1000));
}

/** Epoch seconds as a date only, e.g. "Mar 3, 2026" (when a past show ended). */
export function formatShowDate(epochSeconds) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(
    new Date(epochSeconds * 1000),
  );
}

/** A video's length as a player shows it: "0:42", "12:05", "1:02:03" (the reader's digits). */
export function formatLength(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const ss = formatNumber(total % 60, 2);
  return h ? `${formatNumber(h)}:${formatNumber(m, 2)}:${ss}` : `${formatNumber(m)}:${ss}`;
}

/** Whole local calendar days from `now` to `then` (0 today, 1 tomorrow). */
function calendarDays(then, now) {
  const day = (date) => Date.UTC(date.getFullYear(), date.getMonth(), date.getDate());
  return Math.round((day(then) - day(now)) / DAY);
}

/**
 * A short hint of how far off a start is: "in 25 minutes", "in 2 hours",
 * "tomorrow", "in 3 days"; "Starting soon" just after it, "Was due 3 days
 * ago" long after. null when the date alone says enough.
 */
export function startHint(epochSeconds, nowMs = Date.now()) {
  const at = epochSeconds * 1000;
  const ahead = at - nowMs;
  const relative = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  if (ahead < 0) {
    if (-ahead < LATE_AFTER_MS) {
      return t("when.starting_soon");
    }
    const days = calendarDays(new Date(at), new Date(nowMs));
    const ago = days === 0
      ? relative.format(-Math.floor(-ahead / HOUR), "hour")
      : relative.format(days, "day");
    return t("when.was_due", { when: ago });
  }
  if (ahead < HOUR) {
    return relative.format(Math.max(1, Math.ceil(ahead / MINUTE)), "minute");
  }
  const days = calendarDays(new Date(at), new Date(nowMs));
  if (days === 0) {
    return relative.format(Math.round(ahead / HOUR), "hour");
  }
  return days <= HINT_DAYS ? relative.format(days, "day") : null;
}
