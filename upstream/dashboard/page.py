# ruff: noqa: E501  (an HTML template: its lines are the page's)
"""The dashboard's HTML (pure: figures in, a page out): the period switch (日 / 周 / 月, earlier /
later), the figures with their change against the period before, the charts, the tables each
with its CSV link, the segments with "send this segment a coupon campaign", and the login page.
Chinese first with the English beside it; every value escaped."""

from __future__ import annotations

import json
from datetime import date, timedelta
from html import escape
from urllib.parse import urlencode

from upstream.dashboard import charts
from upstream.reports.figures import change

STYLE = """*{box-sizing:border-box}body{margin:0;font-family:system-ui,"Noto Sans CJK SC",sans-serif;color:#212529;
background:#f8f9fa}header{background:#d9480f;color:#fff;padding:12px 16px;display:flex;flex-wrap:wrap;gap:12px;
align-items:center}header h1{font-size:20px;margin:0;flex:1}header a{color:#fff}
header button{color:#fff;background:transparent;border:1px solid #fff;border-radius:6px;padding:6px 10px;font-size:14px}
main{max-width:1100px;margin:0 auto;padding:12px}nav.periods a{margin-right:8px;padding:6px 10px;border-radius:6px;
background:#fff;color:#d9480f;text-decoration:none;display:inline-block}nav.periods a.on{background:#d9480f;color:#fff}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:12px 0}
.card{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px #0001}.card .k{font-size:13px;color:#495057}
.card .v{font-size:24px;font-weight:700;margin:4px 0}.up{color:#2b8a3e}.down{color:#c92a2a}.same{color:#868e96}
section{background:#fff;border-radius:8px;padding:12px;margin:12px 0;box-shadow:0 1px 2px #0001}
section h2{font-size:16px;margin:0 0 8px}table{border-collapse:collapse;width:100%;font-size:14px}
td,th{padding:4px 6px;border-bottom:1px solid #e9ecef;text-align:right}td:first-child,th:first-child{text-align:left}
.csv{float:right;font-size:13px}.chart{width:100%;height:auto}form.send{display:inline}
.login{max-width:360px;margin:40px auto;background:#fff;padding:20px;border-radius:8px}
.login input,.login button{display:block;width:100%;font-size:18px;margin:8px 0;padding:10px}
.login button{background:#d9480f;color:#fff;border:0;border-radius:6px}#msg{color:#c92a2a;min-height:1.2em}"""


def yuan(fen: float | None) -> str:
    return "—" if fen is None else f"¥{fen / 100:,.2f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _delta(now: float | None, before: float | None) -> str:
    moved = change(now, before)
    if moved is None:
        return '<span class="same">—</span>'
    css, arrow = ("up", "▲") if moved > 0 else (("down", "▼") if moved < 0 else ("same", "＝"))
    return f'<span class="{css}">{arrow} {abs(moved) * 100:.1f}%</span>'


CARDS = [("revenue", "营业额", "Revenue", yuan), ("orders", "订单数", "Orders", lambda v: f"{v:,}"),
         ("avg_order", "客单价", "Per order", yuan), ("per_table", "桌均", "Per table", yuan),
         ("per_guest", "人均", "Per guest", yuan), ("table_turns", "翻台率", "Table turns",
                                                    lambda v: "—" if v is None else f"{v:.2f}"),
         ("scan_share", "扫码点单占比", "Ordered by scanning", pct), ("new_share", "新客占比", "New customers", pct),
         ("repeat_rate", "复购率", "Returning", pct), ("member_share", "会员消费占比", "Members' revenue", pct)]
CHANNELS = {"phone": ("扫码", "Phone"), "kiosk": ("自助机", "Kiosk"), "counter": ("收银台", "Counter")}
METHODS = {"code": ("付款码", "Payment code"), "counter": ("到店付", "At the counter"),
           "table": ("桌台结账", "Table bill"), "prepaid": ("手机先付", "Prepaid on the phone")}


def _link(base: str, kind: str, day: date) -> str:
    return f"{base}?{urlencode({'period': kind, 'date': day.isoformat()})}"


def _csv(base: str, table: str, kind: str, day: date) -> str:
    return f'<a class="csv" href="{escape(base)}/export/{table}.csv?{urlencode({"period": kind, "date": day.isoformat()})}">CSV</a>'


def dashboard(store_name: str, base: str, now_doc: dict, before_doc: dict, segments: list[dict],
              campaigns: list[dict], staff_name: str, day: date) -> str:
    period = now_doc["period"]
    kind = period["kind"]
    step = {"day": 1, "week": 7, "month": 31}[kind]
    first = date.fromisoformat(period["first"])
    nav = "".join(f'<a class="{"on" if k == kind else ""}" href="{escape(_link(base, k, day))}">{zh} {en}</a>'
                  for k, zh, en in (("day", "日", "Day"), ("week", "周", "Week"), ("month", "月", "Month")))
    nav += (f'<a href="{escape(_link(base, kind, first - timedelta(days=1)))}">‹ 上一{ {"day": "日", "week": "周", "month": "月"}[kind]}</a>'
            f'<a href="{escape(_link(base, kind, first + timedelta(days=step if kind != "month" else 32)))}">下一'
            f'{ {"day": "日", "week": "周", "month": "月"}[kind]} ›</a>')
    cards = "".join(
        f'<div class="card" id="card-{key}"><div class="k">{zh} <small>{en}</small></div>'
        f'<div class="v">{escape(fmt(now_doc[key]))}</div><div>{_delta(now_doc[key], before_doc[key])}'
        f' <small class="same">上期 {escape(fmt(before_doc[key]))}</small></div></div>'
        for key, zh, en, fmt in CARDS)
    hours = charts.hour_bars([h["orders"] for h in now_doc["hours"]], "时段客流 Orders by hour")
    dishes = now_doc["dishes"][:10]
    dish_chart = charts.ranking([(d["name"], d["qty"] - d["voided"], f"{d['qty'] - d['voided']} 份") for d in dishes],
                                "菜品销量排行 Top dishes")
    dish_rows = "".join(f"<tr><td>{n}. {escape(d['name'])}</td><td>{d['qty']}</td><td>{d['voided']}</td>"
                        f"<td>{escape(yuan(d['revenue']))}</td></tr>" for n, d in enumerate(dishes, 1))

    def mix_rows(rows: list[dict], key: str, names: dict) -> str:
        total = sum(r["orders"] for r in rows) or 1
        return "".join(f"<tr><td>{escape(names.get(r[key], (r[key], r[key]))[0])}"
                       f" <small>{escape(names.get(r[key], (r[key], r[key]))[1])}</small></td><td>{r['orders']}</td>"
                       f"<td>{r['orders'] * 100 / total:.1f}%</td><td>{escape(yuan(r['revenue']))}</td></tr>"
                       for r in rows)

    coupon_rows = "".join(
        f'<tr id="campaign-{escape(c["campaign_id"])}"><td>{escape(c["name"])} <small>{escape(c["terms"])}'
        f'{"" if c["state"] == "active" else " · 已停止"}</small></td><td>{c["issued"]}</td><td>{c["used"]}</td>'
        f'<td>{escape(yuan(c["off"]))}</td><td>{c["issued_all"]}/{c["quota"]}</td></tr>' for c in now_doc["coupons"])
    options = "".join(f'<option value="{escape(c["campaign_id"])}">{escape(c["name"])}</option>' for c in campaigns)
    seg_rows = "".join(
        f'<tr id="segment-{s["segment"]}"><td>{escape(s["label"])} <small>{escape(s["label_en"])}</small></td>'
        f'<td>{s["members"]}</td><td>' + (
            f'<form class="send" data-segment="{s["segment"]}"><select name="campaign">{options}</select>'
            f' <button type="submit">发券 Send coupons</button></form>' if options and s["members"] else
            ('<small>先创建 segment 类型的活动 (create a segment campaign)</small>' if not options else "")) +
        "</td></tr>" for s in segments)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(store_name)} · 经营数据</title>
<style>{STYLE}</style></head><body><header><h1>{escape(store_name)} · 经营数据 <small>Dashboard</small></h1>
<span>{escape(staff_name)}</span><button id="logout" type="button">退出 Log out</button></header><main>
<nav class="periods">{nav}</nav><h2 id="period">{escape(period["label"])}</h2>
<div class="cards">{cards}</div>
<p class="same">未付 Unpaid: {now_doc["unpaid_orders"]} 单 {escape(yuan(now_doc["unpaid"]))} · 作废 Voided:
{now_doc["voided_orders"]} 单 · 退菜 {escape(yuan(now_doc["voided"]))} · 退款 Refunded {escape(yuan(now_doc["refunded"]))}
· 会员券抵扣 Coupons off {escape(yuan(now_doc["discounts"]))}
（都不计入营业额 none of it is revenue）</p>
<section><h2>时段客流 Orders by hour {_csv(base, "hours", kind, day)}</h2>{hours}</section>
<section><h2>菜品销量排行 Top dishes {_csv(base, "dishes", kind, day)}</h2>{dish_chart}
<table id="dishes"><tr><th>菜品 Dish</th><th>销量 Sold</th><th>退菜 Voided</th><th>金额 Amount</th></tr>{dish_rows}</table></section>
<section><h2>渠道 Channels {_csv(base, "channels", kind, day)}</h2><table id="channels">
<tr><th>渠道</th><th>单数 Orders</th><th>占比 Share</th><th>金额 Revenue</th></tr>
{mix_rows(now_doc["channels"], "channel", CHANNELS)}</table></section>
<section><h2>支付方式 Payments {_csv(base, "payments", kind, day)}</h2><table id="payments">
<tr><th>方式</th><th>单数 Orders</th><th>占比 Share</th><th>金额 Revenue</th></tr>
{mix_rows(now_doc["payments"], "method", METHODS)}</table></section>
<section><h2>优惠券 Coupons {_csv(base, "coupons", kind, day)}</h2><table id="coupons">
<tr><th>活动 Campaign</th><th>发出 Issued</th><th>使用 Used</th><th>抵扣 Off</th><th>已发/总量 Quota</th></tr>
{coupon_rows or '<tr><td colspan="5"><small>还没有活动 (no campaign yet: edge-upstream campaigns create)</small></td></tr>'}
</table></section>
<section><h2>会员分群 Customer segments {_csv(base, "segments", kind, day)}</h2><table id="segments">
<tr><th>分群 Segment</th><th>人数 Members</th><th>发券 Coupon campaign</th></tr>{seg_rows}</table>
<p id="sent" class="same"></p></section>
<p><a href="{escape(base)}/export/summary.csv?{urlencode({"period": kind, "date": day.isoformat()})}">汇总 CSV Summary</a></p>
</main><script>
const base = {json_str(base)};
document.getElementById("logout").onclick = async () => {{
  await fetch(base + "/logout", {{method: "POST", headers: {{"Content-Type": "application/json"}}, body: "{{}}"}});
  location.reload();
}};
for (const form of document.querySelectorAll("form.send")) {{
  form.onsubmit = async (e) => {{
    e.preventDefault();
    const answer = await fetch(base + "/segments/" + form.dataset.segment + "/send", {{method: "POST",
      headers: {{"Content-Type": "application/json"}}, body: JSON.stringify({{campaign_id: form.campaign.value}})}});
    const doc = await answer.json();
    document.getElementById("sent").textContent = answer.ok ? `已发出 ${{doc.issued}} 张券 (sent ${{doc.issued}})`
      : (doc.error && doc.error.message) || "failed";
  }};
}}
</script></body></html>"""


def json_str(text: str) -> str:
    return json.dumps(text).replace("<", "\\u003c")


def login_page(store_name: str, base: str) -> str:
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(store_name)} · 店长登录</title>
<style>{STYLE}</style></head><body><header><h1>{escape(store_name)} · 经营数据 <small>Dashboard</small></h1></header>
<form class="login" id="login"><h2>店长登录 <small>Manager login</small></h2>
<input name="staff_id" id="staff_id" placeholder="员工号 Staff id" autocomplete="username" required>
<input name="pin" id="pin" type="password" inputmode="numeric" placeholder="PIN" autocomplete="current-password" required>
<button type="submit">登录 Log in</button><p id="msg" role="alert"></p></form>
<script>
const base = {json_str(base)};
document.getElementById("login").onsubmit = async (e) => {{
  e.preventDefault();
  const answer = await fetch(base + "/login", {{method: "POST", headers: {{"Content-Type": "application/json"}},
    body: JSON.stringify({{staff_id: e.target.staff_id.value, pin: e.target.pin.value}})}});
  if (answer.ok) {{ location.reload(); return; }}
  const doc = await answer.json().catch(() => ({{}}));
  document.getElementById("msg").textContent = (doc.error && doc.error.message) || "登录失败 login failed";
}};
</script></body></html>"""
