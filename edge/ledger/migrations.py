"""The device schema, as sqlite-utils Migrations applied in order at start-up."""

from __future__ import annotations

import sqlite_utils

migrations = sqlite_utils.Migrations("edge")


def _run(db: sqlite_utils.Database, script: str) -> None:
    """Run DDL statement by statement: executescript() would COMMIT the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_menu(db: sqlite_utils.Database) -> None:
    _run(db, """
    CREATE TABLE menu_categories (id TEXT PRIMARY KEY, zh TEXT NOT NULL, en TEXT NOT NULL, sort INTEGER NOT NULL);
    CREATE TABLE menu_stations (id TEXT PRIMARY KEY, zh TEXT NOT NULL, en TEXT NOT NULL, sort INTEGER NOT NULL);
    CREATE TABLE menu_option_groups (
        id TEXT PRIMARY KEY, zh TEXT NOT NULL, en TEXT NOT NULL,
        required INTEGER NOT NULL, default_option TEXT, sort INTEGER NOT NULL);
    CREATE TABLE menu_options (
        group_id TEXT NOT NULL REFERENCES menu_option_groups(id) ON DELETE CASCADE,
        id TEXT NOT NULL, zh TEXT NOT NULL, en TEXT NOT NULL,
        price_delta INTEGER NOT NULL DEFAULT 0, sort INTEGER NOT NULL,
        PRIMARY KEY (group_id, id));
    CREATE TABLE menu_items (
        id TEXT PRIMARY KEY,
        category_id TEXT NOT NULL REFERENCES menu_categories(id),
        zh TEXT NOT NULL, en TEXT NOT NULL,
        price INTEGER NOT NULL CHECK (price >= 0),
        station_id TEXT NOT NULL REFERENCES menu_stations(id),
        sold_out INTEGER NOT NULL DEFAULT 0, sort INTEGER NOT NULL);
    CREATE TABLE menu_item_option_groups (
        item_id TEXT NOT NULL REFERENCES menu_items(id) ON DELETE CASCADE,
        group_id TEXT NOT NULL REFERENCES menu_option_groups(id),
        sort INTEGER NOT NULL, PRIMARY KEY (item_id, group_id));
    CREATE TABLE menu_note_chips (id TEXT PRIMARY KEY, zh TEXT NOT NULL, en TEXT NOT NULL, sort INTEGER NOT NULL);
    CREATE TABLE device_state (key TEXT PRIMARY KEY, value TEXT);
    """)


@migrations()
def m002_orders(db: sqlite_utils.Database) -> None:
    _run(db, """
    CREATE TABLE ticket_counters (business_day TEXT PRIMARY KEY, last INTEGER NOT NULL);
    CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        client_token TEXT NOT NULL UNIQUE,
        request_sha256 TEXT NOT NULL,
        ticket_no TEXT NOT NULL,
        business_day TEXT NOT NULL,
        day_seq INTEGER NOT NULL,
        service TEXT NOT NULL CHECK (service IN ('dine_in', 'takeaway')),
        table_no TEXT,
        payment TEXT NOT NULL,
        status TEXT NOT NULL,
        total INTEGER NOT NULL,
        notes TEXT NOT NULL DEFAULT '[]',
        menu_version TEXT NOT NULL,
        created_wall_ms INTEGER NOT NULL,
        created_local TEXT NOT NULL,
        UNIQUE (business_day, day_seq));
    CREATE TABLE order_lines (
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_no INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
        station_id TEXT NOT NULL,
        qty INTEGER NOT NULL CHECK (qty BETWEEN 1 AND 99),
        unit_price INTEGER NOT NULL, total INTEGER NOT NULL,
        options TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (order_id, line_no));
    CREATE TABLE station_counters (
        station_id TEXT NOT NULL, business_day TEXT NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (station_id, business_day));
    CREATE TABLE print_jobs (
        id TEXT PRIMARY KEY,
        order_id TEXT REFERENCES orders(id),
        kind TEXT NOT NULL,
        station_id TEXT,
        printer TEXT,
        station_seq INTEGER,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'printed', 'failed', 'attention')),
        payload BLOB NOT NULL,
        payload_sha256 TEXT NOT NULL,
        reprint INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_wall_ms INTEGER NOT NULL,
        updated_wall_ms INTEGER NOT NULL);
    CREATE INDEX print_jobs_by_printer_state ON print_jobs (printer, state, created_wall_ms);
    CREATE INDEX print_jobs_by_order ON print_jobs (order_id);
    CREATE TABLE outbox (
        device_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        occurred_wall_ms INTEGER NOT NULL,
        monotonic_ns INTEGER NOT NULL,
        boot_id TEXT NOT NULL,
        clock_synced INTEGER,
        payload TEXT NOT NULL,
        payload_sha256 TEXT NOT NULL,
        synced_at INTEGER);
    CREATE INDEX outbox_unsynced ON outbox (device_seq) WHERE synced_at IS NULL;
    """)


def migrate(db: sqlite_utils.Database) -> None:
    migrations.apply(db)


@migrations()
def m003_sync(db: sqlite_utils.Database) -> None:
    """Sync (edge/sync): enrollment, sync state, dead events, downstream commands, table keys, PINs.
    The device's Ed25519 private key is NOT here: it is a 0600 file under <data_dir>/keys/."""
    _run(db, """
    CREATE TABLE sync_enrollment (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL, store_id TEXT NOT NULL, role TEXT NOT NULL,
        upstream_url TEXT NOT NULL, key_file TEXT NOT NULL, public_key TEXT NOT NULL,
        enrolled_wall_ms INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('enrolled', 'needs_reenrollment', 'revoked')),
        reason TEXT);
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE outbox_dead (
        device_seq INTEGER PRIMARY KEY REFERENCES outbox(device_seq),
        event_id TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, dead_wall_ms INTEGER NOT NULL);
    CREATE TABLE downstream_commands (
        command_id TEXT PRIMARY KEY,
        upstream_seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('received', 'applied', 'rejected')),
        result TEXT,
        received_wall_ms INTEGER NOT NULL,
        applied_wall_ms INTEGER,
        acked_wall_ms INTEGER);
    CREATE INDEX downstream_commands_unacked ON downstream_commands (upstream_seq) WHERE acked_wall_ms IS NULL;
    CREATE TABLE table_keys (kid TEXT PRIMARY KEY, store_id TEXT NOT NULL, key TEXT NOT NULL, active INTEGER NOT NULL);
    CREATE TABLE staff_pins (
        staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, pin_hash TEXT NOT NULL);
    CREATE TABLE sync_alarms (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, detail TEXT NOT NULL,
        at_wall_ms INTEGER NOT NULL);
    """)


@migrations()
def m004_printing_ticket_data(db: sqlite_utils.Database) -> None:
    """Printing (edge/printer/spool.py): the ticket's data with each job, so every re-send is
    rendered again with the 补打 REPRINT banner (and 转自 … plus the backup's profile on failover);
    `unconfirmed` = sent to a printer that cannot confirm printing (final, shown as such)."""
    _run(db, """
    ALTER TABLE print_jobs ADD COLUMN ticket TEXT;
    ALTER TABLE print_jobs ADD COLUMN profile TEXT;
    ALTER TABLE print_jobs ADD COLUMN origin_printer TEXT;
    ALTER TABLE print_jobs ADD COLUMN reprint_of TEXT;
    ALTER TABLE print_jobs ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE print_jobs ADD COLUMN sent_wall_ms INTEGER;
    ALTER TABLE print_jobs ADD COLUMN printed_wall_ms INTEGER;
    CREATE INDEX print_jobs_recent ON print_jobs (created_wall_ms);
    """)


@migrations()
def m005_cashier(db: sqlite_utils.Database) -> None:
    """Cashier (edge/cashier, edge/ledger/staff.py): store code keys (vouchers / pickup codes), PIN
    lockout, who-did-it records, voucher redemptions, pickups, voids, refunds, day closes."""
    _run(db, """
    CREATE TABLE code_keys (kid TEXT PRIMARY KEY, store_id TEXT NOT NULL, key TEXT NOT NULL, active INTEGER NOT NULL);
    CREATE TABLE pin_failures (
        staff_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until_ms INTEGER, last_failure_ms INTEGER);
    CREATE TABLE staff_actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, staff_id TEXT NOT NULL,
        staff_name TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
        approved_by TEXT, detail TEXT NOT NULL);
    CREATE INDEX staff_actions_by_target ON staff_actions (target);
    CREATE TABLE voucher_redemptions (
        redemption_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, voucher_id TEXT NOT NULL,
        value INTEGER NOT NULL, expires INTEGER NOT NULL, business_day TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('online', 'offline')),
        state TEXT NOT NULL CHECK (state IN ('pending', 'redeemed', 'queued', 'confirmed', 'conflict')),
        order_id TEXT, staff_id TEXT NOT NULL, at_ms INTEGER NOT NULL, conflict TEXT,
        UNIQUE (store_id, voucher_id));
    CREATE TABLE order_pickups (
        order_id TEXT PRIMARY KEY REFERENCES orders(id), collected_ms INTEGER NOT NULL, staff_id TEXT NOT NULL);
    CREATE TABLE order_voids (
        id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id), line_no INTEGER NOT NULL,
        qty INTEGER NOT NULL CHECK (qty > 0), amount INTEGER NOT NULL CHECK (amount >= 0),
        reason TEXT NOT NULL, staff_id TEXT NOT NULL, at_ms INTEGER NOT NULL);
    CREATE INDEX order_voids_by_order ON order_voids (order_id);
    CREATE TABLE refunds (
        id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id), amount INTEGER NOT NULL CHECK (amount > 0),
        channel TEXT NOT NULL, reason TEXT NOT NULL, staff_id TEXT NOT NULL, manager_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('done', 'pending', 'failed')), at_ms INTEGER NOT NULL, detail TEXT);
    CREATE INDEX refunds_by_order ON refunds (order_id);
    CREATE TABLE day_closes (
        id INTEGER PRIMARY KEY AUTOINCREMENT, business_day TEXT NOT NULL, closed_ms INTEGER NOT NULL,
        staff_id TEXT NOT NULL, report TEXT NOT NULL);
    """)


@migrations()
def m006_payments(db: sqlite_utils.Database) -> None:
    """Payments (edge/payments): one row per payment-code attempt, persisted before the gateway
    request. Never the payment code itself: attempt id, out_trade_no, amount, channel, states.
    At most one open attempt per order (created / pending / abandoning: the partial unique index)."""
    _run(db, """
    CREATE TABLE payment_attempts (
        attempt_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders(id),
        out_trade_no TEXT NOT NULL UNIQUE,
        amount INTEGER NOT NULL CHECK (amount > 0),
        channel TEXT NOT NULL CHECK (channel IN ('alipay', 'wechat', 'unionpay')),
        state TEXT NOT NULL CHECK (state IN ('created', 'pending', 'abandoning', 'closing',
                                             'succeeded', 'failed', 'closed', 'refunded', 'abandoned')),
        gateway_state TEXT, detail TEXT, reason TEXT, abandon_reason TEXT, last_error TEXT,
        gateway_version INTEGER NOT NULL DEFAULT 0,
        deadline_wall_ms INTEGER,
        created_wall_ms INTEGER NOT NULL, updated_wall_ms INTEGER NOT NULL, final_wall_ms INTEGER);
    CREATE UNIQUE INDEX payment_attempts_one_open ON payment_attempts (order_id)
        WHERE state IN ('created', 'pending', 'abandoning');
    CREATE INDEX payment_attempts_by_order ON payment_attempts (order_id, created_wall_ms);
    CREATE INDEX payment_attempts_unfinished ON payment_attempts (state)
        WHERE state IN ('created', 'pending', 'abandoning', 'closing')
    """)


@migrations()
def m007_menu_notes(db: sqlite_utils.Database) -> None:
    """The note chips a category or an item offers (edge/menu.py `notes`): a JSON list of chip
    ids, NULL when the menu gives none (its category's, else every chip)."""
    _run(db, """
    ALTER TABLE menu_categories ADD COLUMN notes TEXT;
    ALTER TABLE menu_items ADD COLUMN notes TEXT
    """)


@migrations()
def m008_table_rounds(db: sqlite_utils.Database) -> None:
    """Table rounds from the phones (edge/sync/downstream.py): the table session and round an order
    is, how long it waited upstream, the gateway attempt of a round paid on the phone, and when its
    last kitchen ticket printed (the `order.printed` event that tells the phones 已下厨)."""
    _run(db, """
    ALTER TABLE orders ADD COLUMN table_session TEXT;
    ALTER TABLE orders ADD COLUMN table_round INTEGER;
    ALTER TABLE orders ADD COLUMN waited_ms INTEGER;
    ALTER TABLE orders ADD COLUMN prepaid_attempt TEXT;
    ALTER TABLE orders ADD COLUMN prepaid_channel TEXT;
    ALTER TABLE orders ADD COLUMN kitchen_printed_ms INTEGER;
    CREATE INDEX orders_by_table_session ON orders (table_session) WHERE table_session IS NOT NULL;
    CREATE INDEX orders_round_unprinted ON orders (id) WHERE table_session IS NOT NULL AND kitchen_printed_ms IS NULL
    """)


@migrations()
def m009_table_bills(db: sqlite_utils.Database) -> None:
    """A table's bill paid at the counter (edge/ledger/table_bills.py, edge/payments/bills.py): a
    payment-code attempt may cover a whole bill (`bill` = the table session; the orders it pays and
    each one's amount in `payment_attempt_orders`; at most one open attempt per bill), and the
    notices to upstream that a bill was paid (`table_bill_notices`, sent until upstream has them)."""
    _run(db, """
    ALTER TABLE payment_attempts ADD COLUMN bill TEXT;
    CREATE UNIQUE INDEX payment_attempts_one_open_bill ON payment_attempts (bill)
        WHERE bill IS NOT NULL AND state IN ('created', 'pending', 'abandoning');
    CREATE TABLE payment_attempt_orders (
        attempt_id TEXT NOT NULL REFERENCES payment_attempts(attempt_id),
        order_id TEXT NOT NULL REFERENCES orders(id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        PRIMARY KEY (attempt_id, order_id));
    CREATE INDEX payment_attempt_orders_by_order ON payment_attempt_orders (order_id);
    CREATE TABLE table_bill_notices (
        notice_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, amount INTEGER NOT NULL, method TEXT NOT NULL,
        staff_id TEXT, created_ms INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'refused')),
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, sent_ms INTEGER);
    CREATE INDEX table_bill_notices_queued ON table_bill_notices (created_ms) WHERE state = 'queued'
    """)


@migrations()
def m010_phone_coupons(db: sqlite_utils.Database) -> None:
    """A member's coupon applied on a phone (upstream/coupons.py): what it took off an order that was
    paid there (`discount`, fen: the order's money collected is its total less voids, refunds and
    this) and which coupon it was. Counter vouchers stay `voucher_redemptions` rows."""
    _run(db, """
    ALTER TABLE orders ADD COLUMN discount INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN coupon_id TEXT
    """)
