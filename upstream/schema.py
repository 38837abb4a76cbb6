"""The upstream schema: numbered steps, applied once each, the same DDL on both engines; and the
upstream database opened and migrated (`open_database`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from upstream.sql import Database

STEPS: list[str] = [
    """
    CREATE TABLE stores (
        store_id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms BIGINT NOT NULL,
        menu_version TEXT, menu_doc TEXT, menu_etag TEXT, menu_published_ms BIGINT);
    CREATE TABLE enroll_tokens (
        token_sha256 TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(store_id),
        role TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL,
        used_ms BIGINT, device_id TEXT, public_key TEXT);
    CREATE TABLE devices (
        device_id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(store_id),
        role TEXT NOT NULL, name TEXT NOT NULL, ticket_prefix TEXT,
        public_key TEXT NOT NULL UNIQUE, enrolled_ms BIGINT NOT NULL,
        revoked_ms BIGINT, revoked_reason TEXT, last_seen_ms BIGINT,
        max_seq BIGINT NOT NULL DEFAULT 0, events_stored BIGINT NOT NULL DEFAULT 0);
    CREATE TABLE events (
        event_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, store_id TEXT NOT NULL,
        device_seq BIGINT NOT NULL, type TEXT NOT NULL,
        occurred_wall_ms BIGINT NOT NULL, monotonic_ns BIGINT NOT NULL, boot_id TEXT NOT NULL,
        clock_synced INTEGER, payload TEXT NOT NULL, payload_sha256 TEXT NOT NULL,
        body_sha256 TEXT NOT NULL, received_ms BIGINT NOT NULL, late INTEGER NOT NULL);
    CREATE INDEX events_by_device_seq ON events (device_id, device_seq);
    CREATE TABLE alarms (
        id {id}, store_id TEXT, device_id TEXT, kind TEXT NOT NULL, detail TEXT NOT NULL, at_ms BIGINT NOT NULL);
    CREATE TABLE orders (
        order_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, device_id TEXT NOT NULL, event_id TEXT NOT NULL,
        ticket_no TEXT, business_day TEXT, service TEXT, table_no TEXT, payment TEXT,
        total BIGINT NOT NULL, status TEXT NOT NULL, status_seq BIGINT NOT NULL, lines TEXT NOT NULL,
        notes TEXT NOT NULL, menu_version TEXT, occurred_wall_ms BIGINT NOT NULL, late INTEGER NOT NULL);
    CREATE INDEX orders_by_store ON orders (store_id, occurred_wall_ms);
    CREATE TABLE payments (
        attempt_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, device_id TEXT NOT NULL, order_id TEXT NOT NULL,
        amount BIGINT NOT NULL, channel TEXT, state TEXT NOT NULL, device_seq BIGINT NOT NULL,
        event_id TEXT NOT NULL);
    CREATE TABLE commands (
        seq {id}, command_id TEXT NOT NULL UNIQUE, store_id TEXT NOT NULL, device_id TEXT NOT NULL,
        type TEXT NOT NULL, payload TEXT NOT NULL, created_ms BIGINT NOT NULL,
        acked_ms BIGINT, ack_status TEXT, ack_result TEXT);
    CREATE INDEX commands_open ON commands (device_id, acked_ms, seq);
    CREATE TABLE phone_orders (
        order_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, client_token TEXT NOT NULL,
        request_sha256 TEXT NOT NULL, command_id TEXT NOT NULL, device_id TEXT NOT NULL,
        service TEXT NOT NULL, table_no TEXT, total BIGINT NOT NULL, lines TEXT NOT NULL,
        status TEXT NOT NULL, reason TEXT, device_order_id TEXT, ticket_no TEXT,
        created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
        UNIQUE (store_id, client_token));
    CREATE TABLE table_keys (
        kid TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(store_id), key TEXT NOT NULL,
        active INTEGER NOT NULL, created_ms BIGINT NOT NULL);
    CREATE TABLE staff (
        store_id TEXT NOT NULL REFERENCES stores(store_id), staff_id TEXT NOT NULL, name TEXT NOT NULL,
        role TEXT NOT NULL, pin_hash TEXT NOT NULL, updated_ms BIGINT NOT NULL,
        PRIMARY KEY (store_id, staff_id))
    """,
    # cashier (upstream/vouchers.py, upstream/cashier_events.py): code keys, vouchers, redemptions exactly
    # once, double redemptions, cashier events, 估清 marks, order voids / refunds / pickups
    """
    CREATE TABLE code_keys (
        kid TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(store_id), key TEXT NOT NULL,
        active INTEGER NOT NULL, created_ms BIGINT NOT NULL);
    CREATE TABLE vouchers (
        store_id TEXT NOT NULL, voucher_id TEXT NOT NULL, value BIGINT NOT NULL, expires_s BIGINT NOT NULL,
        issued_ms BIGINT NOT NULL, PRIMARY KEY (store_id, voucher_id));
    CREATE TABLE voucher_redemptions (
        store_id TEXT NOT NULL, voucher_id TEXT NOT NULL, redemption_id TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL, value BIGINT NOT NULL, mode TEXT NOT NULL, staff_id TEXT, order_id TEXT,
        redeemed_ms BIGINT NOT NULL, PRIMARY KEY (store_id, voucher_id));
    CREATE TABLE voucher_conflicts (
        redemption_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, voucher_id TEXT NOT NULL, device_id TEXT NOT NULL,
        winner_redemption_id TEXT, occurred_ms BIGINT NOT NULL, detected_ms BIGINT NOT NULL);
    CREATE TABLE cashier_events (
        event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, device_id TEXT NOT NULL, type TEXT NOT NULL,
        order_id TEXT, amount BIGINT NOT NULL, staff_id TEXT, occurred_ms BIGINT NOT NULL, payload TEXT NOT NULL);
    CREATE INDEX cashier_events_by_store ON cashier_events (store_id, type, occurred_ms);
    CREATE TABLE sold_out_marks (
        store_id TEXT NOT NULL, item_id TEXT NOT NULL, sold_out INTEGER NOT NULL, occurred_ms BIGINT NOT NULL,
        device_id TEXT NOT NULL, PRIMARY KEY (store_id, item_id));
    ALTER TABLE orders ADD COLUMN voided BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE orders ADD COLUMN collected_ms BIGINT
    """,
    # the payment gateway (upstream/gateway): attempts and their history; never a payment code.
    # open_order = order_id while the attempt may keep money: at most one such attempt per order.
    """
    CREATE TABLE gateway_attempts (
        attempt_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, device_id TEXT NOT NULL, order_id TEXT NOT NULL,
        out_trade_no TEXT NOT NULL UNIQUE, amount BIGINT NOT NULL, channel TEXT NOT NULL, provider TEXT,
        request_sha256 TEXT NOT NULL, state TEXT NOT NULL, detail TEXT, reason TEXT,
        abandoned INTEGER NOT NULL DEFAULT 0, abandon_reason TEXT, open_order TEXT,
        provider_trade_no TEXT, paid_amount BIGINT, pay_started_ms BIGINT, deadline_ms BIGINT,
        next_action_ms BIGINT, tries INTEGER NOT NULL DEFAULT 0, rounds INTEGER NOT NULL DEFAULT 0,
        version BIGINT NOT NULL DEFAULT 1, lease_owner TEXT, lease_until_ms BIGINT,
        created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, final_ms BIGINT,
        UNIQUE (store_id, open_order));
    CREATE INDEX gateway_attempts_by_state ON gateway_attempts (state, next_action_ms);
    CREATE INDEX gateway_attempts_by_order ON gateway_attempts (store_id, order_id);
    CREATE TABLE gateway_log (
        id {id}, attempt_id TEXT NOT NULL, at_ms BIGINT NOT NULL, state TEXT NOT NULL, action TEXT NOT NULL,
        outcome TEXT, note TEXT);
    CREATE INDEX gateway_log_by_attempt ON gateway_log (attempt_id, id)
    """,
    # merchant refunds of succeeded attempts, asked for by the device (upstream/gateway/engine.py
    # Gateway.refund): committed before the provider call; refund_id is the provider's refund number
    """
    CREATE TABLE gateway_refunds (
        refund_id TEXT PRIMARY KEY, attempt_id TEXT NOT NULL, store_id TEXT NOT NULL, device_id TEXT NOT NULL,
        amount BIGINT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL, detail TEXT,
        tries INTEGER NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, final_ms BIGINT);
    CREATE INDEX gateway_refunds_by_attempt ON gateway_refunds (attempt_id)
    """,
    # phone-order floods (upstream/phone_guard.py): a store's limit overrides, the rate buckets
    # (per table, per client address) and the refused orders per table and reason
    """
    ALTER TABLE stores ADD COLUMN phone_limits TEXT;
    CREATE TABLE rate_buckets (
        bucket TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, updated_ms BIGINT NOT NULL);
    CREATE INDEX rate_buckets_by_age ON rate_buckets (updated_ms);
    CREATE TABLE phone_refusals (
        store_id TEXT NOT NULL, table_no TEXT NOT NULL, reason TEXT NOT NULL, refused BIGINT NOT NULL,
        first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL, PRIMARY KEY (store_id, table_no, reason));
    CREATE INDEX phone_orders_by_table ON phone_orders (store_id, table_no, created_ms)
    """,
    # the key that signs enrollment codes (upstream/code_signing.py); devices pin its public half
    """
    CREATE TABLE signing_keys (
        name TEXT PRIMARY KEY, private_pem TEXT NOT NULL, public_key TEXT NOT NULL, created_ms BIGINT NOT NULL)
    """,
    # the front door (upstream/ownership.py, upstream/clock.py): events stored but never applied
    # because they would change another store's or device's rows; each device's measured clock skew
    """
    ALTER TABLE events ADD COLUMN quarantined TEXT;
    ALTER TABLE devices ADD COLUMN clock_skew_ms BIGINT;
    ALTER TABLE devices ADD COLUMN clock_checked_ms BIGINT
    """,
    # table sessions from the phones (upstream/table_sessions.py, table_rounds.py): one open session
    # per table (open_key is "<store>/<table>" while open, NULL once closed: UNIQUE), the phones'
    # cookies (hashes only), the shared cart, rounds (numbered per session, one command each) and calls
    """
    ALTER TABLE stores ADD COLUMN table_settings TEXT;
    CREATE TABLE table_sessions (
        session_id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(store_id), table_no TEXT NOT NULL,
        state TEXT NOT NULL, open_key TEXT UNIQUE, mode TEXT NOT NULL, opened_ms BIGINT NOT NULL,
        opened_by TEXT NOT NULL, closed_ms BIGINT, closed_by TEXT, next_round BIGINT NOT NULL DEFAULT 0,
        version BIGINT NOT NULL DEFAULT 1);
    CREATE INDEX table_sessions_by_store ON table_sessions (store_id, state, table_no);
    CREATE TABLE table_tokens (
        token_sha256 TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES table_sessions(session_id),
        store_id TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL);
    CREATE INDEX table_tokens_by_session ON table_tokens (session_id);
    CREATE TABLE table_cart (
        session_id TEXT NOT NULL REFERENCES table_sessions(session_id), line_id TEXT NOT NULL,
        item_id TEXT NOT NULL, qty BIGINT NOT NULL, options TEXT NOT NULL, notes TEXT NOT NULL,
        added_ms BIGINT NOT NULL, PRIMARY KEY (session_id, line_id));
    CREATE TABLE table_rounds (
        round_id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES table_sessions(session_id),
        store_id TEXT NOT NULL, table_no TEXT NOT NULL, round_no BIGINT NOT NULL, client_token TEXT NOT NULL,
        lines TEXT NOT NULL, total BIGINT NOT NULL, state TEXT NOT NULL, reason TEXT,
        command_id TEXT UNIQUE, payment TEXT, attempt_id TEXT, device_order_id TEXT, ticket_no TEXT,
        created_ms BIGINT NOT NULL, sent_ms BIGINT, accepted_ms BIGINT, printed_ms BIGINT,
        updated_ms BIGINT NOT NULL,
        UNIQUE (session_id, round_no), UNIQUE (session_id, client_token));
    CREATE INDEX table_rounds_by_store ON table_rounds (store_id, created_ms);
    CREATE INDEX table_rounds_by_order ON table_rounds (store_id, device_order_id);
    CREATE INDEX cashier_events_by_order ON cashier_events (store_id, order_id);
    CREATE TABLE table_calls (
        call_id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES table_sessions(session_id),
        store_id TEXT NOT NULL, table_no TEXT NOT NULL, kind TEXT NOT NULL, created_ms BIGINT NOT NULL,
        command_id TEXT NOT NULL UNIQUE, handled_ms BIGINT, open_key TEXT UNIQUE);
    CREATE TABLE table_payments (
        payment_id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES table_sessions(session_id),
        store_id TEXT NOT NULL, amount BIGINT NOT NULL, method TEXT NOT NULL, source TEXT NOT NULL,
        staff_id TEXT, created_ms BIGINT NOT NULL);
    CREATE INDEX table_payments_by_session ON table_payments (session_id)
    """,
    # in-app payments (upstream/gateway/inapp.py): an attempt of kind 'inapp' pays a bill (order_id =
    # the bill's reference) on the provider's page; expire_ms = the provider order's time_expire;
    # settled_ms = the settle callbacks ran (settle_claim_ms: who is running them)
    """
    ALTER TABLE gateway_attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'code';
    ALTER TABLE gateway_attempts ADD COLUMN subject TEXT;
    ALTER TABLE gateway_attempts ADD COLUMN return_url TEXT;
    ALTER TABLE gateway_attempts ADD COLUMN pay_url TEXT;
    ALTER TABLE gateway_attempts ADD COLUMN expire_ms BIGINT;
    ALTER TABLE gateway_attempts ADD COLUMN notified_ms BIGINT;
    ALTER TABLE gateway_attempts ADD COLUMN settle_claim_ms BIGINT;
    ALTER TABLE gateway_attempts ADD COLUMN settled_ms BIGINT;
    CREATE INDEX gateway_attempts_to_settle ON gateway_attempts (kind, state, settled_ms)
    """,
    # members (upstream/members.py): who paid, from the providers' payer ids (never a payment code).
    # A member belongs to a store; member_payers maps each (channel, app id, payer id) to it (a merge
    # repoints them and deletes the other member); member_payments: one row per settled attempt;
    # erased_payers keeps only a keyed hash, so an erased member's later payments make no member again.
    # member_tokens: the phone's member cookie (hash only). Phone numbers: ciphertext, a keyed hash for
    # lookup and the masked form (upstream/member_phones.py). sms_outbox: the one-time codes the demo /
    # test sender "sends" (upstream/sms.py). Campaigns and coupons (upstream/campaigns.py, coupons.py):
    # a coupon is a store voucher (vouchers.voucher_id = coupons.coupon_id) with its campaign's terms.
    # The owner's dashboard (upstream/dashboard/): sessions (hash only) and failed PIN tries.
    # gateway_attempts.started_by: the hash of the table cookie of the phone that asked for an in-app
    # payment's page (upstream/member_join.py binds that payment's payer when the phone joins).
    """
    ALTER TABLE gateway_attempts ADD COLUMN payer_id TEXT;
    ALTER TABLE gateway_attempts ADD COLUMN payer_app TEXT;
    ALTER TABLE gateway_attempts ADD COLUMN payer_masked TEXT;
    ALTER TABLE gateway_attempts ADD COLUMN payer_subscribed INTEGER;
    ALTER TABLE gateway_attempts ADD COLUMN started_by TEXT;
    ALTER TABLE stores ADD COLUMN member_settings TEXT;
    CREATE TABLE members (
        member_id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(store_id),
        phone_cipher TEXT, phone_hash TEXT, phone_masked TEXT, points BIGINT NOT NULL DEFAULT 0,
        visits BIGINT NOT NULL DEFAULT 0, spend BIGINT NOT NULL DEFAULT 0, first_visit_ms BIGINT,
        last_visit_ms BIGINT, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, joined_ms BIGINT,
        UNIQUE (store_id, phone_hash));
    CREATE INDEX members_by_store ON members (store_id, last_visit_ms);
    CREATE TABLE member_payers (
        store_id TEXT NOT NULL, channel TEXT NOT NULL, app_id TEXT NOT NULL, payer_id TEXT NOT NULL,
        member_id TEXT NOT NULL REFERENCES members(member_id), payer_masked TEXT NOT NULL, subscribed INTEGER,
        created_ms BIGINT NOT NULL, PRIMARY KEY (store_id, channel, app_id, payer_id));
    CREATE INDEX member_payers_by_member ON member_payers (member_id);
    CREATE TABLE member_payments (
        attempt_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, member_id TEXT NOT NULL REFERENCES members(member_id),
        order_id TEXT NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL, amount BIGINT NOT NULL,
        refunded BIGINT NOT NULL DEFAULT 0, points BIGINT NOT NULL DEFAULT 0, paid_ms BIGINT NOT NULL);
    CREATE INDEX member_payments_by_member ON member_payments (member_id, paid_ms);
    CREATE INDEX member_payments_by_store ON member_payments (store_id, paid_ms);
    CREATE TABLE erased_payers (
        payer_hash TEXT PRIMARY KEY, store_id TEXT NOT NULL, erased_ms BIGINT NOT NULL);
    CREATE TABLE member_tokens (
        token_sha256 TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES members(member_id),
        store_id TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL);
    CREATE INDEX member_tokens_by_member ON member_tokens (member_id);
    CREATE TABLE member_otps (
        otp_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, phone_hash TEXT NOT NULL, code_hash TEXT NOT NULL,
        claim_ref TEXT, tries INTEGER NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL,
        used_ms BIGINT);
    CREATE INDEX member_otps_by_phone ON member_otps (store_id, phone_hash, created_ms);
    CREATE TABLE sms_outbox (
        id {id}, store_id TEXT NOT NULL, phone_hash TEXT NOT NULL, phone_cipher TEXT NOT NULL,
        phone_masked TEXT NOT NULL, text TEXT NOT NULL, created_ms BIGINT NOT NULL, sent_ms BIGINT);
    CREATE TABLE campaigns (
        campaign_id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(store_id), name TEXT NOT NULL,
        kind TEXT NOT NULL, amount_off BIGINT, percent_off BIGINT, min_spend BIGINT NOT NULL DEFAULT 0,
        max_off BIGINT, starts_ms BIGINT NOT NULL, ends_ms BIGINT NOT NULL, valid_days BIGINT NOT NULL,
        per_member BIGINT NOT NULL, quota BIGINT NOT NULL, issued BIGINT NOT NULL DEFAULT 0,
        delivery TEXT NOT NULL, state TEXT NOT NULL, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL);
    CREATE INDEX campaigns_by_store ON campaigns (store_id, state, ends_ms);
    CREATE TABLE campaign_claims (
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id), member_id TEXT NOT NULL,
        claimed BIGINT NOT NULL, PRIMARY KEY (campaign_id, member_id));
    CREATE TABLE coupons (
        coupon_id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        store_id TEXT NOT NULL, member_id TEXT, source TEXT NOT NULL, issued_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL, used_ms BIGINT, used_where TEXT, used_order TEXT, discount BIGINT);
    CREATE INDEX coupons_by_member ON coupons (member_id, issued_ms);
    CREATE INDEX coupons_by_campaign ON coupons (campaign_id);
    CREATE TABLE owner_sessions (
        token_sha256 TEXT PRIMARY KEY, store_id TEXT NOT NULL, staff_id TEXT NOT NULL, created_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL);
    CREATE TABLE owner_logins (
        store_id TEXT NOT NULL, staff_id TEXT NOT NULL, failures BIGINT NOT NULL, locked_until_ms BIGINT,
        updated_ms BIGINT NOT NULL, PRIMARY KEY (store_id, staff_id));
    CREATE INDEX phone_orders_by_device_order ON phone_orders (store_id, device_order_id);
    CREATE INDEX table_sessions_by_close ON table_sessions (store_id, closed_ms)
    """,
    # a member's coupon applied at the phone checkout (upstream/phone_coupons.py): held and redeemed as
    # the coupon's voucher_redemptions row (mode 'phone'); the device's order events say what it took
    # off an order (orders.discount: not money collected, so never revenue)
    """
    ALTER TABLE orders ADD COLUMN discount BIGINT NOT NULL DEFAULT 0
    """,
]


def migrate(db: Database) -> int:
    """Apply the steps not applied yet; returns the schema version."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)")
    done = {r["version"] for r in db.query("SELECT version FROM schema_migrations")}
    for version, ddl in enumerate(STEPS, 1):
        if version in done:
            continue
        with db.tx():
            db.script(ddl)
            db.execute("INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)",
                       [version, time.time_ns() // 1_000_000])
    return len(STEPS)


def default_database() -> str:
    """EDGE_UPSTREAM_DATABASE, or upstream.sqlite in the user's data folder."""
    import platformdirs  # only when no database is named

    return (os.environ.get("EDGE_UPSTREAM_DATABASE")
            or str(Path(platformdirs.user_data_dir("matou")) / "upstream.sqlite"))


def open_database(url: str | None = None) -> Database:
    """The upstream's database (a SQLite path or a postgresql:// URL), migrated to the latest step."""
    db = Database(url or default_database())
    migrate(db)
    return db
