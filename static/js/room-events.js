// The room's events, named once: their shapes, and one dispatcher that hands
// each event to the handlers a page registered for its type. The watch page
// and the console's room both use it; what they share (the chat) is here too.

/**
 * @typedef {{type: "snapshot", you?: any, show?: any, pin?: any, stock?: any, viewers?: number,
 *   likes?: number, chat?: any[], slow_mode_seconds?: number, giveaway?: any, auction?: any}} SnapshotEvent
 * @typedef {{type: "pin", pin: any}} PinEvent
 * @typedef {{type: "unpin", pin_id?: number, offset_ms?: number}} UnpinEvent
 * @typedef {{type: "stock", product_id: string, variants: Record<string, number>, sale?: any}} StockEvent
 * @typedef {{type: "sold_out", product_id: string, sale?: boolean}} SoldOutEvent
 * @typedef {{type: "purchase", buyer?: string, product_id?: string, title?: string, quantity?: number}} PurchaseEvent
 * @typedef {{type: "chat", message: any}} ChatEvent
 * @typedef {{type: "chat_deleted", id: string}} ChatDeletedEvent
 * @typedef {{type: "like", total?: number, delta?: number}} LikeEvent
 * @typedef {{type: "viewers", count?: number}} ViewersEvent
 * @typedef {{type: "show", show?: any, slow_mode_seconds?: number}} ShowEvent
 * @typedef {{type: "error", code?: string, message?: string, details?: any}} ErrorEvent
 * @typedef {{type: "giveaway_started" | "giveaway_closed" | "giveaway_drawn", giveaway: any}} GiveawayEvent
 * @typedef {{type: "giveaway_entries", giveaway_id: string, entries_count: number}} GiveawayEntriesEvent
 * @typedef {{type: "auction", event: string, auction: any}} AuctionEvent
 */

/**
 * Every room event, by its `type`.
 * @typedef {{
 *   snapshot: SnapshotEvent, pin: PinEvent, unpin: UnpinEvent, stock: StockEvent,
 *   sold_out: SoldOutEvent, purchase: PurchaseEvent, chat: ChatEvent,
 *   chat_deleted: ChatDeletedEvent, like: LikeEvent, viewers: ViewersEvent,
 *   show: ShowEvent, error: ErrorEvent,
 *   giveaway_started: GiveawayEvent, giveaway_entries: GiveawayEntriesEvent,
 *   giveaway_closed: GiveawayEvent, giveaway_drawn: GiveawayEvent,
 *   auction: AuctionEvent
 * }} RoomEventMap
 */

/** @typedef {RoomEventMap[keyof RoomEventMap]} RoomEvent */

/**
 * What a page does with each type of event (types it leaves out are ignored).
 * @typedef {{[K in keyof RoomEventMap]?: (event: RoomEventMap[K]) => void}} RoomHandlers
 */

/**
 * One `onEvent(event)` for a RoomSocket: each handler set that has the event's
 * type runs, in the order given; other types (pong, events a later version
 * adds) are ignored.
 * @param {...RoomHandlers} handlerSets
 * @returns {(event: {type: string}) => void}
 */
export function roomEventDispatcher(...handlerSets) {
  return (event) => {
    for (const handlers of handlerSets) {
      if (Object.hasOwn(handlers, event.type)) {
        const handler = /** @type {(event: {type: string}) => void} */ (
          handlers[/** @type {keyof RoomEventMap} */ (event.type)]
        );
        handler(event);
      }
    }
  };
}

/**
 * @typedef {object} ChatList
 * @property {(messages: any[] | undefined) => void} reset
 * @property {(message: any) => void} add
 * @property {(id: string) => void} remove
 */

/**
 * The chat's part, the same on both pages: messages in and out, and the room's
 * refusals of what we sent (slow mode, muted) under the compose box.
 * @param {ChatList} chat
 * @param {{showError: (event: ErrorEvent) => void}} compose
 * @returns {RoomHandlers}
 */
export function chatEvents(chat, compose) {
  return {
    snapshot: (event) => chat.reset(event.chat),
    chat: (event) => chat.add(event.message),
    chat_deleted: (event) => chat.remove(event.id),
    error: (event) => compose.showError(event),
  };
}
