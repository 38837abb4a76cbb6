"""Joining as a member on the phone (会员): a one-time code to the guest's phone number, then the
member for that number, holding the payer identities of the payments this phone made.

- `send_code`: a 6-digit code, valid 5 minutes, 5 tries; at most one a minute and five an hour
  per number, and a few a minute per client address; sent through upstream/sms.py. Only a keyed
  hash of the code is stored.
- `join`: the code checked; the member found by the number's keyed hash, or made (number
  encrypted, masked); then every settled payment this phone started at its table (the table
  cookie's hash on the attempt, `started_by`) brings its payer identity: a payer that already made
  a member is merged into this one (the same person's Alipay and WeChat ids become one member);
  a payer whose member belongs to another phone number is left alone.
"""

from __future__ import annotations

import hmac
import secrets

from edge.orders import new_id
from upstream import member_phones, members, sms
from upstream.errors import ApiError
from upstream.member_keys import keyed_hash
from upstream.phone_guard import take_bucket
from upstream.sql import Database

CODE_MS, MAX_TRIES = 5 * 60_000, 5
PER_MINUTE, PER_HOUR, CLIENT_PER_MINUTE = 1, 5, 6


def _phone(text: object) -> str:
    phone = member_phones.normalise(text)
    if phone is None:
        raise ApiError(422, "bad_phone", "请输入11位手机号 (an 11-digit mobile number)", "phone")
    return phone


def send_code(db: Database, store_id: str, phone_text: object, client: str, now: int) -> dict:
    phone = _phone(phone_text)
    digest = member_phones.phone_hash(db, store_id, phone)
    code = f"{secrets.randbelow(10**6):06d}"
    otp_id = new_id()
    with db.tx():
        ok, wait = take_bucket(db, f"otp:{client}", CLIENT_PER_MINUTE, now)
        if not ok:
            raise ApiError(429, "too_many_codes", f"请{wait}秒后再试 (try again in {wait} s)", "phone",
                           retry_after=wait)
        recent = db.query("SELECT created_ms FROM member_otps WHERE store_id = ? AND phone_hash = ? AND created_ms > ?",
                          [store_id, digest, now - 3_600_000])
        last = max((r["created_ms"] for r in recent), default=0)
        if now - last < 60_000 // PER_MINUTE:
            wait = (60_000 - (now - last) + 999) // 1000
            raise ApiError(429, "too_many_codes", f"验证码已发送，请{wait}秒后再试 (sent: try again in {wait} s)",
                           "phone", retry_after=wait)
        if len(recent) >= PER_HOUR:
            raise ApiError(429, "too_many_codes", "这个号码一小时内发送次数太多 (too many codes this hour)", "phone",
                           retry_after=3600)
        db.execute("INSERT INTO member_otps (otp_id, store_id, phone_hash, code_hash, created_ms, expires_ms)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   [otp_id, store_id, digest, keyed_hash(db, "otp", otp_id, code), now, now + CODE_MS])
    store_name = db.scalar("SELECT name FROM stores WHERE store_id = ?", [store_id]) or store_id
    try:
        sms.sender_for(db).send(store_id, phone, f"【{store_name}】会员验证码 {code}，5分钟内有效。")
    except Exception:  # noqa: BLE001 - the provider's failure: the guest tries again (no number in the log)
        with db.tx():
            db.execute("DELETE FROM member_otps WHERE otp_id = ?", [otp_id])
        raise ApiError(503, "sms_failed", "短信发送失败，请稍后再试 (the text could not be sent: try again)") from None
    return {"sent": True, "phone": member_phones.mask(phone)}


def check_code(db: Database, store_id: str, phone: str, code: object, now: int) -> None:
    """Inside a transaction: the newest unused code of this number matches, or a 4xx."""
    if not isinstance(code, str) or not code.isdigit() or len(code) != 6:
        raise ApiError(422, "bad_code", "验证码是6位数字 (the code is 6 digits)", "code")
    digest = member_phones.phone_hash(db, store_id, phone)
    row = db.one("SELECT * FROM member_otps WHERE store_id = ? AND phone_hash = ? AND used_ms IS NULL"
                 " ORDER BY created_ms DESC LIMIT 1", [store_id, digest])
    if row is None or row["expires_ms"] <= now:
        raise ApiError(410, "code_expired", "验证码已过期，请重新获取 (the code expired: ask for a new one)", "code")
    if row["tries"] >= MAX_TRIES:
        raise ApiError(429, "too_many_tries", "错误次数太多，请重新获取验证码 (too many tries: ask for a new code)",
                       "code")
    if not hmac.compare_digest(row["code_hash"], keyed_hash(db, "otp", row["otp_id"], code)):
        db.execute("UPDATE member_otps SET tries = tries + 1 WHERE otp_id = ?", [row["otp_id"]])
        raise ApiError(401, "wrong_code", f"验证码不对 (wrong code): {MAX_TRIES - row['tries'] - 1} tries left", "code")
    db.execute("UPDATE member_otps SET used_ms = ? WHERE otp_id = ?", [now, row["otp_id"]])


def join(db: Database, store_id: str, phone_text: object, code: object, paid_by: str | None, now: int) -> str:
    """The member this guest proved to be; `paid_by`: the hash of the phone's table cookie."""
    phone = _phone(phone_text)
    digest = member_phones.phone_hash(db, store_id, phone)
    wrong: ApiError | None = None
    with db.tx():
        try:
            check_code(db, store_id, phone, code, now)
        except ApiError as refused:
            if refused.status != 401:
                raise
            wrong = refused  # the failed try is counted (committed), then refused
        if wrong is None:
            member_id = db.scalar("SELECT member_id FROM members WHERE store_id = ? AND phone_hash = ?",
                                  [store_id, digest])
            if member_id is None:
                member_id = "m" + new_id()[:15]
                db.execute("INSERT INTO members (member_id, store_id, phone_cipher, phone_hash, phone_masked,"
                           " created_ms, updated_ms, joined_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [member_id, store_id, member_phones.encrypt(db, phone), digest, member_phones.mask(phone),
                            now, now, now])
            if paid_by:
                bind_payments(db, store_id, member_id, paid_by, now)
    if wrong is not None:
        raise wrong
    return member_id


def bind_payments(db: Database, store_id: str, member_id: str, paid_by: str, now: int) -> None:
    """Inside a transaction: the payer identities of the payments this phone made join `member_id`."""
    for attempt in db.query("SELECT * FROM gateway_attempts WHERE store_id = ? AND started_by = ? AND state ="
                            " 'succeeded' AND payer_id IS NOT NULL", [store_id, paid_by]):
        owner = members.member_for_payer(db, store_id, attempt["channel"], attempt["payer_app"] or "",
                                         attempt["payer_id"], now)
        if owner is None or owner == member_id:
            continue  # erased (it stays erased), or already this member's
        other = db.one("SELECT phone_hash FROM members WHERE member_id = ?", [owner])
        if other and other["phone_hash"]:
            continue  # that payer joined with another phone number: not ours to take
        members.merge(db, member_id, owner, now)
