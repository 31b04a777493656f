// The show page after the show: the replay's video, its chapter list, and the
// product card coming and going at the moments it did in the live, with the
// replay's price (the live flash-sale price only where the show allows it).
import { appendAuctionMarks } from "./auction-marks.js";
import { chapterAt, createChapterList } from "./chapters.js";
import { createReplayPlayer } from "./replay.js";

const SYNC_MS = 250; // also while paused: a flash sale's countdown follows the video

/**
 * The card's pin at `offsetMs` of the show for `chapter`: its flash sale while
 * the replay sells at its price (the end put on this device's clock as if the
 * video plays on), else a note that the live sale's price has ended.
 */
export function replayPin(chapter, offsetMs, flashSales) {
  const sale = chapter.flash_sale;
  const running = Boolean(flashSales && sale && offsetMs >= chapter.offset_ms && offsetMs < sale.until_ms);
  return {
    id: chapter.pin_id,
    product: chapter.product,
    offset_ms: chapter.offset_ms,
    flash_sale: running ? { ...sale, ends_at: (Date.now() + (sale.until_ms - offsetMs)) / 1000 } : null,
    note: sale && !running ? "replay.price_note" : null,
  };
}

/**
 * Play `replay` (from `GET /api/shows/{id}/replay`) in `video`, list its
 * chapters in `list`, and show each chapter's product on `card`;
 * `onOfferChange()` runs when the card changed. Returns `{offsetMs(), seekTo(offsetMs)}`.
 */
export function startReplay({ replay, video, list, card, onOfferChange = () => {} }) {
  const chapters = replay.chapters || [];
  const flashSales = Boolean(replay.show && replay.show.replay_flash_sales);
  let shown = null; // "pin:selling" of the card on screen, "" for none

  const player = createReplayPlayer(video, replay.parts, { onTime: sync });
  const chapterList = createChapterList(list, chapters, {
    onPick: (chapter) => player.seekTo(chapter.offset_ms, { play: true }),
  });
  appendAuctionMarks(list, replay.auctions || [], {
    titleOf: (productId) => {
      const chapter = chapters.find((c) => c.product && c.product.id === productId);
      return chapter ? chapter.product.title : null;
    },
    onPick: (offsetMs) => player.seekTo(offsetMs, { play: true }),
  });

  function sync() {
    const offset = player.offsetMs();
    const chapter = chapterAt(chapters, offset);
    const pin = chapter ? replayPin(chapter, offset, flashSales) : null;
    const key = pin ? `${pin.id}:${Boolean(pin.flash_sale)}` : "";
    if (key === shown) {
      if (pin && pin.flash_sale) {
        card.setSaleEnd(pin.flash_sale.ends_at);
      }
      return;
    }
    shown = key;
    if (pin) {
      card.show(pin);
    } else {
      card.hide();
    }
    chapterList.setActive(chapter ? chapter.pin_id : null);
    onOfferChange();
  }

  video.hidden = false;
  sync();
  setInterval(sync, SYNC_MS);
  return { offsetMs: () => player.offsetMs(), seekTo: (offsetMs) => player.seekTo(offsetMs, { play: true }) };
}
