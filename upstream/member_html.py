# ruff: noqa: E501  (an HTML template: its lines are the page's)
"""The store's member page on the guest's phone (pure: data in, HTML out): joining with a phone
number and a one-time code; the member card (masked number, points, visits, spend, favourite
dishes); the coupons to claim and the member's coupons as QR codes for the cashier's camera; and
删除我的会员资料. Chinese with English beside; every value escaped; a few lines of script post JSON."""

from __future__ import annotations

import json
from html import escape

STYLE = """*{box-sizing:border-box}body{margin:0;font-family:system-ui,"Noto Sans CJK SC",sans-serif;background:#fff8f0;color:#212529}
header{background:#d9480f;color:#fff;padding:14px 16px;font-size:19px;font-weight:600}main{max-width:520px;margin:0 auto;padding:12px}
section{background:#fff;border-radius:10px;padding:12px 14px;margin:12px 0;box-shadow:0 1px 3px #0002}h2{font-size:17px;margin:0 0 8px}
input,button{font-size:18px;padding:12px;width:100%;margin:6px 0;border-radius:8px;border:1px solid #ced4da}
button{background:#d9480f;color:#fff;border:0;min-height:48px}button.quiet{background:#e9ecef;color:#495057}
.card b{font-size:26px}.row{display:flex;justify-content:space-between;margin:4px 0}.msg{color:#c92a2a;min-height:1.2em}
.coupon{border:1px dashed #d9480f;border-radius:8px;padding:10px;margin:8px 0}.coupon .terms{font-size:20px;font-weight:700;color:#d9480f}
.coupon img{width:220px;height:220px;display:block;margin:8px auto}.used{opacity:.5}small{color:#868e96}"""

SCRIPT = """
async function post(path, body) {
  const answer = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {})});
  const doc = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error((doc.error && doc.error.message) || "出错了 failed");
  return doc;
}
function say(id, text) { const el = document.getElementById(id); if (el) el.textContent = text; }
const send = document.getElementById("send-code");
if (send) send.onclick = async () => {
  try { const doc = await post(API + "/code", {phone: document.getElementById("phone").value});
        say("join-msg", "验证码已发送到 " + doc.phone + " (code sent)"); }
  catch (e) { say("join-msg", e.message); }
};
const join = document.getElementById("join");
if (join) join.onsubmit = async (e) => {
  e.preventDefault();
  try { await post(API + "/join", {phone: document.getElementById("phone").value, code: document.getElementById("code").value});
        location.reload(); }
  catch (err) { say("join-msg", err.message); }
};
for (const button of document.querySelectorAll("button.claim")) {
  button.onclick = async () => {
    try { await post(API + "/claim", {campaign_id: button.dataset.campaign}); location.reload(); }
    catch (e) { say("claim-msg", e.message); }
  };
}
const erase = document.getElementById("erase");
if (erase) erase.onclick = async () => {
  if (!confirm("删除后，积分、记录和券都会清除，且不能恢复。确定吗？ Erase everything about you here?")) return;
  try { await post(API + "/erase", {}); location.reload(); } catch (e) { say("erase-msg", e.message); }
};
"""


def yuan(fen: int) -> str:
    return f"¥{fen / 100:.2f}"


def _page(store_name: str, store_id: str, body: str) -> str:
    api = json.dumps(f"/v1/member/{store_id}").replace("<", "\\u003c")
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(store_name)} · 会员</title>'
            f"<style>{STYLE}</style></head><body><header>{escape(store_name)} · 会员 <small style=\"color:#fff\">Members</small></header>"
            f"<main>{body}</main><script>const API = {api};{SCRIPT}</script></body></html>")


def join_page(store_name: str, store_id: str, paid_here: bool) -> str:
    hint = ("刚才的消费会记到你的会员账户 (your payment here counts)" if paid_here
            else "用手机号成为会员，领取优惠券 (join with your phone number to claim coupons)")
    return _page(store_name, store_id, f"""<section id="join-box"><h2>成为会员 <small>Join</small></h2><p>{escape(hint)}</p>
<form id="join"><input id="phone" inputmode="tel" autocomplete="tel" placeholder="手机号 Mobile number" maxlength="20" required>
<button type="button" class="quiet" id="send-code">获取验证码 Send code</button>
<input id="code" inputmode="numeric" autocomplete="one-time-code" placeholder="6位验证码 6-digit code" maxlength="6" required>
<button type="submit">成为会员 Join</button><p class="msg" id="join-msg" role="alert"></p></form>
<p><small>手机号加密保存，只显示为 138****5678；可随时删除。Your number is stored encrypted, shown masked, and can be erased.</small></p></section>""")


def member_page(store_name: str, store_id: str, member: dict, favourites: list[dict], offers: list[dict],
                mine: list[dict]) -> str:
    fav = "、".join(escape(f["name"]) for f in favourites) or "—"
    offer_html = "".join(
        f'<div class="coupon" id="offer-{escape(o["campaign_id"])}"><div class="terms">{escape(o["terms"]["zh"])}</div>'
        f'<div>{escape(o["name"])} <small>{escape(o["terms"]["en"])}</small></div>'
        f'<button class="claim" data-campaign="{escape(o["campaign_id"])}">领取 Claim</button></div>' for o in offers) \
        or "<p><small>暂时没有可领的券 (nothing to claim now)</small></p>"
    mine_html = "".join(
        f'<div class="coupon{" used" if c["state"] != "valid" else ""}" id="coupon-{escape(c["coupon_id"])}">'
        f'<div class="terms">{escape(c["terms"]["zh"])}</div><div>{escape(c["name"])} · '
        f'{ {"valid": "可用 valid", "used": "已使用 used", "expired": "已过期 expired"}[c["state"]]}</div>'
        + (f'<img alt="券码 coupon code" src="/m/{escape(store_id)}/coupons/{escape(c["coupon_id"])}.svg">'
           f'<small>结账时请收银员扫码 (show it to the cashier)</small>' if c["state"] == "valid" else "")
        + "</div>" for c in mine) or "<p><small>还没有券 (no coupons yet)</small></p>"
    return _page(store_name, store_id, f"""<section class="card" id="member-card"><h2>会员卡 <small>Member card</small></h2>
<div class="row"><span>手机号 Phone</span><span id="member-phone">{escape(member.get("phone_masked") or "—")}</span></div>
<div class="row"><span>积分 Points</span><b id="member-points">{member["points"]}</b></div>
<div class="row"><span>到店 Visits</span><span id="member-visits">{member["visits"]}</span></div>
<div class="row"><span>消费 Spent</span><span id="member-spend">{yuan(member["spend"])}</span></div>
<div class="row"><span>常点 Favourites</span><span>{fav}</span></div></section>
<section id="coupons"><h2>领优惠 <small>Coupons to claim</small></h2>{offer_html}<p class="msg" id="claim-msg" role="alert"></p>
<h2>我的券 <small>My coupons</small></h2>{mine_html}</section>
<section><button class="quiet" id="erase">删除我的会员资料 Erase my membership</button><p class="msg" id="erase-msg"></p></section>""")
