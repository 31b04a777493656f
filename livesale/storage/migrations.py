"""Schema migrations, one history for SQLite and PostgreSQL.

Written in SQLite's dialect, which `render` turns into PostgreSQL's. SQLite
counts the applied ones in `PRAGMA user_version`, PostgreSQL in the
`schema_version` table. Append only: never edit a migration that has shipped,
add a new one.
"""

from __future__ import annotations

import re

from livesale.storage.sql import Engine

MIGRATIONS: list[str] = [
    # 1: shows. The stream key is stored hashed; the plaintext is shown once.
    """
    CREATE TABLE shows (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'live', 'ended')),
        stream_key_hash TEXT NOT NULL,
        created_at REAL NOT NULL,
        live_at REAL,
        ended_at REAL
    );
    CREATE INDEX shows_created_at ON shows (created_at DESC);
    """,
    # 2: creators and their sessions, guest viewers, the catalogue, shows owned by
    # creators with a product bag, the live timeline, chat and moderation.
    """
    CREATE TABLE creators (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE creator_sessions (
        token_hash TEXT PRIMARY KEY,
        creator_id TEXT NOT NULL REFERENCES creators (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE INDEX creator_sessions_creator ON creator_sessions (creator_id);

    -- Guests: no account, a cookie token (stored hashed) and a chosen name.
    CREATE TABLE viewers (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        created_at REAL NOT NULL
    );

    CREATE TABLE images (
        id TEXT PRIMARY KEY,
        creator_id TEXT NOT NULL REFERENCES creators (id),
        content_type TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        size_bytes INTEGER NOT NULL,
        created_at REAL NOT NULL
    );

    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        creator_id TEXT NOT NULL REFERENCES creators (id),
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('active', 'archived')),
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX products_creator ON products (creator_id, created_at DESC);
    CREATE TABLE product_images (
        product_id TEXT NOT NULL REFERENCES products (id),
        position INTEGER NOT NULL,
        image_id TEXT NOT NULL REFERENCES images (id),
        PRIMARY KEY (product_id, position)
    );
    -- Variants are archived, never deleted: orders keep pointing at them.
    CREATE TABLE variants (
        id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products (id),
        creator_id TEXT NOT NULL REFERENCES creators (id),
        sku TEXT NOT NULL,
        name TEXT NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        price_minor INTEGER NOT NULL CHECK (price_minor > 0),
        currency TEXT NOT NULL,
        stock INTEGER NOT NULL CHECK (stock >= 0),
        position INTEGER NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
    );
    CREATE INDEX variants_product ON variants (product_id, position);
    CREATE UNIQUE INDEX variants_live_sku ON variants (creator_id, sku) WHERE archived = 0;

    ALTER TABLE shows ADD COLUMN creator_id TEXT REFERENCES creators (id);
    ALTER TABLE shows ADD COLUMN cover_image_id TEXT REFERENCES images (id);
    ALTER TABLE shows ADD COLUMN scheduled_at REAL;
    CREATE INDEX shows_status ON shows (status, scheduled_at);
    CREATE INDEX shows_creator ON shows (creator_id, created_at DESC);
    -- The show's "shopping bag": the products the creator may pin, in order.
    CREATE TABLE show_products (
        show_id TEXT NOT NULL REFERENCES shows (id),
        product_id TEXT NOT NULL REFERENCES products (id),
        position INTEGER NOT NULL,
        PRIMARY KEY (show_id, product_id)
    );

    -- Pins and unpins, stamped by the server in ms since the show went live.
    CREATE TABLE timeline_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        show_id TEXT NOT NULL REFERENCES shows (id),
        kind TEXT NOT NULL CHECK (kind IN ('pin', 'unpin')),
        offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0),
        product_id TEXT REFERENCES products (id),
        flash_sale TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX timeline_events_show ON timeline_events (show_id, id);

    CREATE TABLE chat_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        show_id TEXT NOT NULL REFERENCES shows (id),
        author_id TEXT NOT NULL,
        author_name TEXT NOT NULL,
        author_role TEXT NOT NULL CHECK (author_role IN ('viewer', 'moderator', 'creator')),
        text TEXT NOT NULL,
        created_at REAL NOT NULL,
        deleted_at REAL,
        deleted_by TEXT
    );
    CREATE INDEX chat_messages_show ON chat_messages (show_id, id);

    -- Moderation belongs to the creator's channel, so it spans all their shows.
    CREATE TABLE moderators (
        creator_id TEXT NOT NULL REFERENCES creators (id),
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        added_at REAL NOT NULL,
        PRIMARY KEY (creator_id, viewer_id)
    );
    CREATE TABLE bans (
        creator_id TEXT NOT NULL REFERENCES creators (id),
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        banned_by TEXT NOT NULL,
        banned_at REAL NOT NULL,
        PRIMARY KEY (creator_id, viewer_id)
    );
    CREATE TABLE blocked_words (
        creator_id TEXT NOT NULL REFERENCES creators (id),
        word TEXT NOT NULL,
        PRIMARY KEY (creator_id, word)
    );
    """,
    # 3: orders (the record of money taken), their lines, the payment events
    # already applied (so a webhook delivered twice changes nothing), the
    # status history, and the offline dummy gateway's payments.
    """
    CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        -- One order per checkout, so a retried "place order" finds the first one.
        checkout_id TEXT NOT NULL UNIQUE,
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        creator_id TEXT NOT NULL REFERENCES creators (id),
        show_id TEXT NOT NULL REFERENCES shows (id),
        status TEXT NOT NULL CHECK (
            status IN ('pending_payment', 'paid', 'fulfilled', 'refunded', 'canceled')
        ),
        currency TEXT NOT NULL,
        total_minor INTEGER NOT NULL CHECK (total_minor > 0),
        email TEXT NOT NULL,
        name TEXT NOT NULL,
        address_json TEXT NOT NULL,
        announce INTEGER NOT NULL,
        gateway TEXT NOT NULL,
        -- One order per payment: a paid payment can never produce two orders.
        payment_id TEXT UNIQUE,
        status_reason TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        paid_at REAL,
        fulfilled_at REAL,
        refunded_at REAL,
        canceled_at REAL
    );
    CREATE INDEX orders_creator ON orders (creator_id, created_at DESC);
    CREATE INDEX orders_show ON orders (show_id, created_at DESC);
    CREATE INDEX orders_viewer ON orders (viewer_id, created_at DESC);
    CREATE INDEX orders_status ON orders (status, created_at);

    CREATE TABLE order_lines (
        order_id TEXT NOT NULL REFERENCES orders (id),
        position INTEGER NOT NULL,
        variant_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        title TEXT NOT NULL,
        variant_name TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
        sale_id TEXT,
        hold_id TEXT NOT NULL,
        PRIMARY KEY (order_id, position)
    );
    CREATE INDEX order_lines_variant ON order_lines (variant_id);

    CREATE TABLE payment_events (
        event_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders (id),
        type TEXT NOT NULL,
        applied_at REAL NOT NULL
    );

    CREATE TABLE order_history (
        id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders (id),
        from_status TEXT,
        to_status TEXT NOT NULL,
        reason TEXT,
        at REAL NOT NULL
    );
    CREATE INDEX order_history_order ON order_history (order_id, id);

    CREATE TABLE dummy_payments (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL UNIQUE,
        amount_minor INTEGER NOT NULL,
        currency TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN (
            'requires_payment_method', 'requires_action', 'succeeded', 'canceled', 'refunded'
        )),
        decline_code TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX dummy_payments_created ON dummy_payments (created_at);
    """,
    # 4: creator analytics. One row per room connection (a watch session, kept
    # current by heartbeats so a crash leaves a true end), counters per show,
    # 10-second slot, kind and pin, and the pin each order line was bought from.
    """
    -- No foreign keys: a batch of events must never fail as a whole for one row.
    CREATE TABLE watch_sessions (
        id TEXT PRIMARY KEY,
        show_id TEXT NOT NULL,
        -- The visitor id of the browser, else the guest viewer, else the connection.
        audience_key TEXT NOT NULL,
        process_id TEXT NOT NULL,
        started_at REAL NOT NULL,
        seen_at REAL NOT NULL,
        ended_at REAL
    );
    CREATE INDEX watch_sessions_show ON watch_sessions (show_id, started_at);
    CREATE INDEX watch_sessions_open ON watch_sessions (process_id) WHERE ended_at IS NULL;

    CREATE TABLE show_activity (
        show_id TEXT NOT NULL,
        slot INTEGER NOT NULL,
        kind TEXT NOT NULL,
        pin_id INTEGER NOT NULL,
        count INTEGER NOT NULL CHECK (count > 0),
        PRIMARY KEY (show_id, slot, kind, pin_id)
    ) WITHOUT ROWID;

    ALTER TABLE order_lines ADD COLUMN pin_id INTEGER;
    """,
    # 5: recordings of live broadcasts (one part per publisher session, played in
    # order), each show's recording and replay-price choices, and the replay's
    # own watch sessions for analytics.
    """
    CREATE TABLE recordings (
        id TEXT PRIMARY KEY,
        show_id TEXT NOT NULL REFERENCES shows (id),
        part INTEGER NOT NULL CHECK (part >= 1),
        file_name TEXT NOT NULL,
        container TEXT NOT NULL CHECK (container IN ('webm', 'mp4')),
        status TEXT NOT NULL CHECK (
            status IN ('recording', 'complete', 'failed', 'deleted')
        ),
        -- When the part's first frame arrived, as epoch seconds and as ms since
        -- the show went live: the replay maps video time to timeline offsets.
        started_at REAL NOT NULL,
        offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0),
        duration_ms INTEGER,
        size_bytes INTEGER,
        error TEXT,
        updated_at REAL NOT NULL,
        UNIQUE (show_id, part)
    );
    CREATE INDEX recordings_status ON recordings (status, updated_at);

    ALTER TABLE shows ADD COLUMN record INTEGER NOT NULL DEFAULT 1 CHECK (record IN (0, 1));
    ALTER TABLE shows ADD COLUMN replay_flash_sales INTEGER NOT NULL DEFAULT 0
        CHECK (replay_flash_sales IN (0, 1));
    ALTER TABLE watch_sessions ADD COLUMN replay INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: the guest identity of a watch session (conversion counts the viewers who
    # bought), and past shows listed by when they ended. Earlier sessions keyed by
    # their guest say who it was; those keyed by the browser cannot.
    """
    ALTER TABLE watch_sessions ADD COLUMN viewer_id TEXT;
    UPDATE watch_sessions SET viewer_id = substr(audience_key, 8)
        WHERE audience_key LIKE 'viewer:%';
    CREATE INDEX shows_ended ON shows (status, ended_at DESC);
    """,
    # 7: fulfilment. The shipment of a fulfilled order (carrier and tracking), refunds
    # of single lines (when, how much, the gateway's refund id, whether the units went
    # back on sale), the part of the payment the provider reports refunded (a refund
    # made in its dashboard), and the dummy gateway's partial refunds.
    """
    ALTER TABLE orders ADD COLUMN carrier TEXT;
    ALTER TABLE orders ADD COLUMN tracking_number TEXT;
    ALTER TABLE orders ADD COLUMN tracking_url TEXT;
    ALTER TABLE orders ADD COLUMN provider_refunded_minor INTEGER NOT NULL DEFAULT 0
        CHECK (provider_refunded_minor >= 0);

    ALTER TABLE order_lines ADD COLUMN refunded_at REAL;
    ALTER TABLE order_lines ADD COLUMN refunded_minor INTEGER NOT NULL DEFAULT 0
        CHECK (refunded_minor >= 0);
    ALTER TABLE order_lines ADD COLUMN refund_id TEXT;
    ALTER TABLE order_lines ADD COLUMN refund_restocked INTEGER NOT NULL DEFAULT 0
        CHECK (refund_restocked IN (0, 1));

    ALTER TABLE dummy_payments ADD COLUMN amount_refunded_minor INTEGER NOT NULL DEFAULT 0;
    -- One row per refund; the idempotency key makes a retried refund the same one.
    CREATE TABLE dummy_refunds (
        idempotency_key TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        payment_id TEXT NOT NULL REFERENCES dummy_payments (id),
        amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
        created_at REAL NOT NULL
    );
    """,
    # 8: e-mail addresses compared without letter case by an index both engines
    # have (SQLite's NOCASE collation of migration 2 is its own).
    """
    CREATE UNIQUE INDEX creators_email_lower ON creators (lower(email));
    """,
    # 9: search: one category and free tags (a JSON list) on products and shows;
    # listings filter by the category.
    """
    ALTER TABLE products ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
    ALTER TABLE products ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE shows ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
    ALTER TABLE shows ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
    CREATE INDEX shows_category ON shows (category, status, created_at DESC);
    """,
    # 10: giveaways: one unit of a show's product drawn among its viewers. The seed
    # stays secret until the draw (only its sha256 is shown before); the entries
    # (ids and display names, as published) are written at the draw. The winner's
    # order costs nothing: an order's total and a line's price may now be 0.
    # SQLite cannot alter a CHECK, but relaxing one changes nothing on disk, so its
    # text is edited in the schema (SQLite's documented way); the CREATE TABLE
    # after it bumps the schema version, so every connection reads the new text.
    """
    -- only sqlite
    PRAGMA writable_schema=ON;
    UPDATE sqlite_master
        SET sql = replace(sql, 'CHECK (total_minor > 0)', 'CHECK (total_minor >= 0)')
        WHERE type = 'table' AND name = 'orders';
    UPDATE sqlite_master
        SET sql = replace(sql, 'CHECK (unit_price_minor > 0)', 'CHECK (unit_price_minor >= 0)')
        WHERE type = 'table' AND name = 'order_lines';
    PRAGMA writable_schema=RESET;
    -- end only
    -- only postgresql
    ALTER TABLE orders DROP CONSTRAINT orders_total_minor_check;
    ALTER TABLE orders ADD CONSTRAINT orders_total_minor_check CHECK (total_minor >= 0);
    ALTER TABLE order_lines DROP CONSTRAINT order_lines_unit_price_minor_check;
    ALTER TABLE order_lines ADD CONSTRAINT order_lines_unit_price_minor_check
        CHECK (unit_price_minor >= 0);
    -- end only
    CREATE TABLE giveaways (
        id TEXT PRIMARY KEY,
        show_id TEXT NOT NULL REFERENCES shows (id),
        creator_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        variant_id TEXT NOT NULL,
        title TEXT NOT NULL,
        variant_name TEXT NOT NULL,
        rules TEXT NOT NULL,
        duration_seconds INTEGER NOT NULL,
        offset_ms INTEGER NOT NULL,
        started_at REAL NOT NULL,
        ends_at REAL NOT NULL,
        claim_by REAL NOT NULL,
        seed TEXT NOT NULL,
        seed_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'drawn', 'claimed')),
        hold_id TEXT NOT NULL,
        entries_json TEXT,
        winner_entry_id TEXT,
        winner_viewer_id TEXT,
        winner_name TEXT,
        drawn_at REAL,
        order_id TEXT
    );
    CREATE INDEX giveaways_show ON giveaways (show_id, started_at);
    """,
    # 11: foryou: a guest follows creators; a guest may turn the personalised feed off.
    """
    CREATE TABLE follows (
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        creator_id TEXT NOT NULL REFERENCES creators (id),
        created_at REAL NOT NULL,
        PRIMARY KEY (viewer_id, creator_id)
    );
    CREATE INDEX follows_creator ON follows (creator_id);
    CREATE TABLE feed_opt_outs (
        viewer_id TEXT PRIMARY KEY REFERENCES viewers (id),
        created_at REAL NOT NULL
    );
    """,
    # 12: search: one document per show, product and creator holding its words as
    # `domain.search_text` makes them (title, tags, the rest), kept by the
    # repositories; SQLite searches it through an FTS5 table its triggers keep in
    # step, PostgreSQL through a generated tsvector with a GIN index.
    """
    CREATE TABLE search_documents (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('show', 'product', 'creator')),
        item_id TEXT NOT NULL,
        title TEXT NOT NULL,
        tags TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (kind, item_id)
    );
    -- only sqlite
    -- The words are split and folded already: the ascii tokenizer only cuts at spaces.
    -- Prefixes of 2 and 3 characters are indexed too: the last word is one as people type.
    CREATE VIRTUAL TABLE search_fts USING fts5(
        title, tags, body, content='search_documents', content_rowid='id', tokenize='ascii',
        prefix='2 3'
    );
    CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts (rowid, title, tags, body)
            VALUES (new.id, new.title, new.tags, new.body);
    END;
    CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts (search_fts, rowid, title, tags, body)
            VALUES ('delete', old.id, old.title, old.tags, old.body);
    END;
    CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO search_fts (search_fts, rowid, title, tags, body)
            VALUES ('delete', old.id, old.title, old.tags, old.body);
        INSERT INTO search_fts (rowid, title, tags, body)
            VALUES (new.id, new.title, new.tags, new.body);
    END;
    -- end only
    -- only postgresql
    -- The words are split and folded already (letters, digits and marks only): each
    -- one becomes a lexeme as it is, without a parser, with its column's weight
    -- ("word:1A"; a weight needs a position).
    ALTER TABLE search_documents ADD COLUMN terms tsvector GENERATED ALWAYS AS (
        CAST(regexp_replace(title, '(\\S+)', '\\1:1A', 'g') AS tsvector)
        || CAST(regexp_replace(tags, '(\\S+)', '\\1:1B', 'g') AS tsvector)
        || CAST(regexp_replace(body, '(\\S+)', '\\1:1C', 'g') AS tsvector)
    ) STORED;
    CREATE INDEX search_documents_terms ON search_documents USING GIN (terms);
    -- end only
    """,
    # 13: reviews: reviews from verified buyers (one per order line), their photos, the
    # creator's reply, reports (once per person) and helpful votes (once per person).
    """
    CREATE TABLE reviews (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders (id),
        position INTEGER NOT NULL,
        product_id TEXT NOT NULL,
        creator_id TEXT NOT NULL REFERENCES creators (id),
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        -- The buyer's display name when they wrote it: never the address or e-mail.
        author_name TEXT NOT NULL,
        stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
        text TEXT NOT NULL,
        photos_json TEXT NOT NULL DEFAULT '[]',
        photo_count INTEGER NOT NULL DEFAULT 0,
        -- published; reported (hidden from others until decided); removed (by the shop).
        state TEXT NOT NULL CHECK (state IN ('published', 'reported', 'removed')),
        decided_at REAL,
        helpful_count INTEGER NOT NULL DEFAULT 0,
        report_count INTEGER NOT NULL DEFAULT 0,
        reply_text TEXT,
        reply_at REAL,
        reply_edited_at REAL,
        created_at REAL NOT NULL,
        edited_at REAL,
        UNIQUE (order_id, position)
    );
    CREATE INDEX reviews_product ON reviews (product_id, state, created_at DESC);
    CREATE INDEX reviews_creator ON reviews (creator_id, state, created_at DESC);
    CREATE INDEX reviews_viewer ON reviews (viewer_id);
    -- Photos uploaded for one order line; a review may show only its own line's.
    CREATE TABLE review_photos (
        image_id TEXT PRIMARY KEY REFERENCES images (id),
        viewer_id TEXT NOT NULL,
        order_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        uploaded_at REAL NOT NULL
    );
    CREATE TABLE review_reports (
        review_id TEXT NOT NULL REFERENCES reviews (id),
        person TEXT NOT NULL,
        reported_at REAL NOT NULL,
        PRIMARY KEY (review_id, person)
    );
    CREATE TABLE review_votes (
        review_id TEXT NOT NULL REFERENCES reviews (id),
        viewer_id TEXT NOT NULL,
        voted_at REAL NOT NULL,
        PRIMARY KEY (review_id, viewer_id)
    );
    """,
    # 14: auctions: each auction's start and result on the show's timeline, for the replay
    # (the bids themselves live in Redis; the order is the sale's record).
    """
    CREATE TABLE auction_marks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        show_id TEXT NOT NULL REFERENCES shows (id),
        auction_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('start', 'result')),
        offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0),
        product_id TEXT NOT NULL,
        price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
        currency TEXT NOT NULL,
        winner_name TEXT,
        created_at REAL NOT NULL,
        UNIQUE (auction_id, kind)
    );
    CREATE INDEX auction_marks_show ON auction_marks (show_id, id);
    """,
    # 15: pricing: shops' shipping profiles, coupons and their uses, and each order's
    # discount (split over its lines), shipping, shipping given back and the earlier
    # order whose shipment it joined.
    """
    CREATE TABLE shipping_profiles (
        creator_id TEXT PRIMARY KEY REFERENCES creators (id),
        currency TEXT NOT NULL,
        flat_minor INTEGER NOT NULL CHECK (flat_minor >= 0),
        per_item_minor INTEGER NOT NULL CHECK (per_item_minor >= 0),
        free_above_minor INTEGER CHECK (free_above_minor >= 0),
        countries TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE coupons (
        id TEXT PRIMARY KEY,
        creator_id TEXT NOT NULL REFERENCES creators (id),
        code TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('fixed', 'percent')),
        value INTEGER NOT NULL CHECK (value > 0),
        currency TEXT NOT NULL,
        max_discount_minor INTEGER CHECK (max_discount_minor > 0),
        show_id TEXT,
        min_spend_minor INTEGER NOT NULL CHECK (min_spend_minor >= 0),
        first_order_only INTEGER NOT NULL CHECK (first_order_only IN (0, 1)),
        max_uses INTEGER CHECK (max_uses > 0),
        starts_at REAL,
        ends_at REAL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        -- Uses reserved by unpaid orders and used by paid ones: never above max_uses.
        uses_taken INTEGER NOT NULL DEFAULT 0 CHECK (uses_taken >= 0),
        created_at REAL NOT NULL,
        UNIQUE (creator_id, code)
    );
    -- One row per buyer and coupon: the primary key is the one-use-per-buyer rule.
    CREATE TABLE coupon_uses (
        coupon_id TEXT NOT NULL REFERENCES coupons (id),
        viewer_id TEXT NOT NULL,
        order_id TEXT NOT NULL UNIQUE,
        paid INTEGER NOT NULL DEFAULT 0 CHECK (paid IN (0, 1)),
        created_at REAL NOT NULL,
        PRIMARY KEY (coupon_id, viewer_id)
    );
    ALTER TABLE orders ADD COLUMN discount_minor INTEGER NOT NULL DEFAULT 0
        CHECK (discount_minor >= 0);
    ALTER TABLE orders ADD COLUMN shipping_minor INTEGER NOT NULL DEFAULT 0
        CHECK (shipping_minor >= 0);
    ALTER TABLE orders ADD COLUMN shipping_refunded_minor INTEGER NOT NULL DEFAULT 0
        CHECK (shipping_refunded_minor >= 0);
    ALTER TABLE orders ADD COLUMN coupon_id TEXT;
    ALTER TABLE orders ADD COLUMN coupon_code TEXT;
    ALTER TABLE orders ADD COLUMN combined_with TEXT;
    ALTER TABLE order_lines ADD COLUMN discount_minor INTEGER NOT NULL DEFAULT 0
        CHECK (discount_minor >= 0);
    CREATE INDEX orders_buyer_show ON orders (viewer_id, show_id);
    """,
    # 16: accounts: a guest's account owns the guest's id (its orders, carts, follows and
    # reviews stay where they are); each signed-in device holds a session of its own. An
    # account made with a passkey alone has no email or password. Passkeys (WebAuthn
    # credentials) belong to a viewer or a creator.
    """
    CREATE TABLE viewer_accounts (
        viewer_id TEXT PRIMARY KEY REFERENCES viewers (id),
        email TEXT,
        password_hash TEXT,
        created_at REAL NOT NULL
    );
    CREATE UNIQUE INDEX viewer_accounts_email_lower ON viewer_accounts (lower(email));
    CREATE TABLE viewer_sessions (
        token_hash TEXT PRIMARY KEY,
        viewer_id TEXT NOT NULL REFERENCES viewers (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE INDEX viewer_sessions_viewer ON viewer_sessions (viewer_id);
    CREATE TABLE passkeys (
        id TEXT PRIMARY KEY,
        owner_kind TEXT NOT NULL CHECK (owner_kind IN ('viewer', 'creator')),
        owner_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        sign_count INTEGER NOT NULL CHECK (sign_count >= 0),
        transports TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL,
        last_used_at REAL
    );
    CREATE INDEX passkeys_owner ON passkeys (owner_kind, owner_id);
    """,
    # 17: notify: a guest's "Remind me" on an upcoming show (one per guest and show);
    # each person's notifications (read or not; `more` counts those the hourly quiet
    # limit folded into it), the kinds they turned off, and which events have been
    # announced (a claim per event, so one process announces each once); each
    # device's Web Push subscription.
    """
    CREATE TABLE show_reminders (
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        show_id TEXT NOT NULL REFERENCES shows (id),
        created_at REAL NOT NULL,
        PRIMARY KEY (viewer_id, show_id)
    );
    CREATE INDEX show_reminders_show ON show_reminders (show_id);
    CREATE TABLE notifications (
        id TEXT PRIMARY KEY,
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        kind TEXT NOT NULL,
        params_json TEXT NOT NULL,
        more INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        read_at REAL
    );
    CREATE INDEX notifications_viewer ON notifications (viewer_id, created_at);
    CREATE TABLE notification_opt_outs (
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        kind TEXT NOT NULL,
        PRIMARY KEY (viewer_id, kind)
    );
    CREATE TABLE notification_claims (
        subject TEXT NOT NULL,
        kind TEXT NOT NULL,
        claimed_at REAL NOT NULL,
        PRIMARY KEY (subject, kind)
    );
    CREATE INDEX orders_fulfilled ON orders (fulfilled_at);
    CREATE TABLE push_subscriptions (
        endpoint TEXT PRIMARY KEY,
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        lang TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX push_subscriptions_viewer ON push_subscriptions (viewer_id);
    """,
    # 18: dms: one conversation per viewer and shop, its messages, and reports for the operator.
    """
    CREATE TABLE dm_conversations (
        id TEXT PRIMARY KEY,
        viewer_id TEXT NOT NULL REFERENCES viewers (id),
        creator_id TEXT NOT NULL REFERENCES creators (id),
        created_at REAL NOT NULL,
        last_message_at REAL NOT NULL,
        viewer_read_id INTEGER NOT NULL DEFAULT 0,
        shop_read_id INTEGER NOT NULL DEFAULT 0,
        viewer_blocked_at REAL,
        shop_blocked_at REAL,
        UNIQUE (viewer_id, creator_id)
    );
    CREATE INDEX dm_conversations_creator ON dm_conversations (creator_id, last_message_at);
    CREATE TABLE dm_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES dm_conversations (id),
        side TEXT NOT NULL CHECK (side IN ('viewer', 'shop')),
        author_id TEXT NOT NULL,
        text TEXT NOT NULL,
        ref_kind TEXT CHECK (ref_kind IN ('order', 'product')),
        ref_id TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX dm_messages_conversation ON dm_messages (conversation_id, id);
    CREATE INDEX dm_messages_created ON dm_messages (created_at);
    CREATE TABLE dm_reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES dm_conversations (id),
        message_id INTEGER,
        side TEXT NOT NULL CHECK (side IN ('viewer', 'shop')),
        reporter_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # 19: person-data: when a guest was erased (its id stays as a pseudonym the shops'
    # orders point at), so nothing new is made for it, such as a notification.
    """
    ALTER TABLE viewers ADD COLUMN erased_at REAL;
    """,
]

# SQLite's types and clauses, and PostgreSQL's for the same meaning. REAL holds
# epoch seconds, which PostgreSQL's 4-byte REAL would round to minutes; INTEGER
# holds money in minor units and byte sizes, past 2**31.
_IDENTITY = "GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
_POSTGRES_REWRITES: list[tuple[str, str]] = [
    (r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", f"BIGINT {_IDENTITY}"),
    (r"\bid INTEGER PRIMARY KEY\b", f"id BIGINT {_IDENTITY}"),
    (r"\bREAL\b", "DOUBLE PRECISION"),
    (r"\bINTEGER\b", "BIGINT"),
    (r"\s+COLLATE NOCASE\b", ""),
    (r"\)\s*WITHOUT ROWID", ")"),
]


# A block only one engine runs (FTS5 tables, generated tsvector columns):
# "-- only sqlite" or "-- only postgresql" on a line, then "-- end only".
_ONLY = re.compile(r"^[ \t]*-- only (sqlite|postgresql)\n(.*?)^[ \t]*-- end only\n", re.M | re.S)


def render(sql: str, engine: Engine) -> str:
    """A migration's SQL for `engine`."""
    sql = _ONLY.sub(lambda block: block.group(2) if block.group(1) == engine else "", sql)
    if engine == "sqlite":
        return sql
    for pattern, replacement in _POSTGRES_REWRITES:
        sql = re.sub(pattern, replacement, sql)
    return sql
