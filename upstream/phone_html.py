"""The phone page's HTML, rendered on the server from the store's menu document (pure: no I/O).

`render_page` gives the ordering page a guest's phone opens from the table's code: the store's
name, the table, the menu by category in Chinese (English shown on a tap), prices in yuan, each
option group once (radio buttons with their price deltas) and each note chip once, which the
page's one script (upstream/static/phone.js) shows for the dish tapped. The script adds what
changes while the page is open: the shared cart, the rounds, sold-out marks, the bill.
`render_notice` gives the plain pages of a refusal (a code that is not valid, a table not open
yet, an unknown store), in Chinese with the English below.
"""

from __future__ import annotations

from html import escape
from typing import Any

from edge.menu import Menu, menu_from_dict
from edge.money import format_delta, format_fen

def _t(zh: str, en: str, tag: str = "span") -> str:
    """A text in both languages: the page shows one of them (the `en` class on <html> picks)."""
    return f'<{tag} class="zh">{escape(zh)}</{tag}><{tag} class="en">{escape(en or zh)}</{tag}>'


def _name(zh: str, en: str) -> str:
    """A dish's or a category's name: Chinese always, the English under it on the English tap."""
    return escape(zh) + (f'<small class="en">{escape(en)}</small>' if en else "")


def _dish(menu: Menu, item_id: str) -> str:
    item = menu.items[item_id]
    groups = [g for g in item.option_groups if g in menu.option_groups]
    out = ' out' if item.sold_out else ''
    attrs = (f'data-id="{escape(item.id)}" data-price="{item.price}" data-g="{escape(" ".join(groups))}"'
             f' data-n="{escape(" ".join(menu.notes_for(item)))}"' + (' data-fixed-out="1"' if item.sold_out else ''))
    button, kind = (_t("选规格", "Choose"), "spec") if groups else ("+", "plus")
    return (f'<li class="dish{out}" {attrs}><button class="dn" type="button"><b>{_name(item.zh, item.en)}</b>'
            f'<span class="pr">{format_fen(item.price)}</span></button>'
            f'<span class="so">{_t("已售罄", "Sold out")}</span>'
            f'<button class="add {kind}" type="button" aria-label="加 {escape(item.zh)}">{button}</button></li>')


def _group(menu: Menu, group_id: str) -> str:
    group = menu.option_groups[group_id]
    name = f"g-{escape(group.id)}"
    rows = []
    if not group.required:
        rows.append(f'<label><input type="radio" name="{name}" value=""{"" if group.default else " checked"}>'
                    f'{_t("不选", "None")}</label>')
    for option in group.options:
        checked = " checked" if option.id == group.default else ""
        delta = f' <i>{escape(format_delta(option.price_delta))}</i>' if option.price_delta else ""
        rows.append(f'<label><input type="radio" name="{name}" value="{escape(option.id)}"'
                    f' data-d="{option.price_delta}"{checked}>{_name(option.zh, option.en)}{delta}</label>')
    required = ' data-required="1"' if group.required else ''
    return (f'<fieldset class="grp" data-g="{escape(group.id)}"{required} hidden>'
            f'<legend>{_name(group.zh, group.en)}</legend>{"".join(rows)}</fieldset>')


def _sheet(menu: Menu) -> str:
    """The one dish sheet: every option group and note chip once; the script shows the dish's."""
    groups = "".join(_group(menu, g) for g in menu.option_groups)
    chips = "".join(f'<label data-n="{escape(c.id)}" hidden><input type="checkbox" value="{escape(c.id)}">'
                    f'{_name(c.zh, c.en)}</label>' for c in menu.note_chips)
    return ('<div id="sheet" class="sheet" hidden><form class="box" id="sh-form">'
            '<h3 id="sh-name"></h3>'
            f'{groups}<fieldset class="chips" id="sh-chips"><legend>{_t("备注", "Notes")}</legend>{chips}</fieldset>'
            '<div class="qty"><button type="button" id="sh-minus" aria-label="-">−</button>'
            '<output id="sh-qty">1</output><button type="button" id="sh-plus" aria-label="+">+</button></div>'
            f'<button type="submit" class="primary" id="sh-add">{_t("加入购物车", "Add to cart")} '
            '<span id="sh-total"></span></button>'
            f'<button type="button" class="plain" id="sh-close">{_t("取消", "Cancel")}</button></form></div>')


def render_page(menu_doc: dict[str, Any], *, store_name: str, table: str, mode: str, assets: dict[str, str]) -> str:
    """The ordering page of table `table`. `assets`: {"css": url, "js": url} of the page's style
    and script (served by the upstream itself); `mode`: the store's pay_after | pay_first."""
    menu = menu_from_dict(menu_doc)
    cats, sections = [], []
    for category in menu.categories:
        items = [i.id for i in menu.items_in(category.id)]
        if not items:
            continue
        anchor = f"c-{escape(category.id)}"
        cats.append(f'<a href="#{anchor}">{_t(category.zh, category.en)}</a>')
        sections.append(f'<section id="{anchor}"><h2>{_name(category.zh, category.en)}</h2>'
                        f'<ul>{"".join(_dish(menu, i) for i in items)}</ul></section>')
    pay_words = ("先付后吃：每轮下单后在手机上付款，付款后厨房开始做" if mode == "pay_first"
                 else "先吃后付：下单后厨房马上做，吃完在手机上或前台结账")
    pay_words_en = ("Pay first: pay each round on your phone, then the kitchen starts" if mode == "pay_first"
                    else "Eat first: the kitchen starts at once; pay at the end, on your phone or at the counter")
    return f'''<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<meta name="format-detection" content="telephone=no">
<title>{escape(store_name)} · {escape(table)}号桌</title>
<link rel="stylesheet" href="{escape(assets["css"])}">
</head><body data-mode="{escape(mode)}" data-table="{escape(table)}">
<header class="top"><div class="who"><h1>{escape(store_name)}</h1>
<p>{_t(f"{table} 号桌", f"Table {table}")} · <span id="live">{_t("同桌一起点", "Ordering together")}</span></p></div>
<button type="button" id="call" class="ghost">{_t("呼叫服务员", "Call waiter")}</button>
<button type="button" id="lang" class="ghost" aria-label="English / 中文">EN</button></header>
<p id="msg" class="msg" role="status" hidden></p>
<p class="how">{_t(pay_words, pay_words_en)}</p>
<nav class="cats">{"".join(cats)}</nav>
<main id="menu">{"".join(sections)}</main>
{_sheet(menu)}
<section id="cart" class="panel" hidden><div class="box"><h3>{_t("购物车", "Cart")}
<small>{_t("同桌的手机一起点，实时同步", "Shared with every phone at this table")}</small></h3>
<ul id="cart-lines" class="lines"></ul><p class="sum">{_t("合计", "Total")} <b id="cart-total">¥0.00</b></p>
<button type="button" class="primary" id="submit">{_t("下单", "Place order")}</button>
<button type="button" class="plain" data-close>{_t("继续点菜", "Keep ordering")}</button></div></section>
<section id="orders" class="panel" hidden><div class="box"><h3>{_t("已点", "Ordered")}</h3>
<ol id="rounds" class="rounds"></ol><div id="bill" class="bill"></div><div id="pay" class="pay"></div>
<button type="button" id="bill-call">{_t("请求结账", "Ask for the bill")}</button>
<button type="button" class="plain" data-close>{_t("继续点菜", "Keep ordering")}</button></div></section>
<footer class="bar"><button type="button" id="show-orders">{_t("已点", "Ordered")} <b id="n-rounds"></b></button>
<button type="button" id="show-cart" class="cartbtn">{_t("购物车", "Cart")} <b id="n-cart">0</b>
<span id="bar-total">¥0.00</span></button></footer>
<script src="{escape(assets["js"])}" defer></script>
</body></html>'''


def render_notice(title_zh: str, body_zh: str, title_en: str, body_en: str, assets: dict[str, str]) -> str:
    """A plain page that says what went wrong and what to do, Chinese first, English below."""
    return f'''<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(title_zh)}</title>
<link rel="stylesheet" href="{escape(assets["css"])}">
</head><body class="notice"><main>
<h1>{escape(title_zh)}</h1><p>{escape(body_zh)}</p>
<h2 lang="en">{escape(title_en)}</h2><p lang="en">{escape(body_en)}</p>
</main></body></html>'''
