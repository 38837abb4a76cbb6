"""The phone page as the server renders it from a menu document: the store, the table, the menu
by category in Chinese with the English beside it, prices in yuan, each option group with its
price deltas and each note chip once, sold-out dishes marked, and whatever a menu says shown as
text, never as markup."""

from __future__ import annotations

import copy
import gzip
import re
import tomllib

from edge.demo.setup import MENU_FILE
from upstream.phone_assets import ASSETS, URLS
from upstream.phone_html import render_notice, render_page

MENU = tomllib.loads(MENU_FILE.read_text(encoding="utf-8"))


def page(menu=MENU, mode="pay_after", name="粤点茶楼", table="12") -> str:
    return render_page(menu, store_name=name, table=table, mode=mode, assets=URLS)


def test_the_page_shows_the_store_the_table_and_the_whole_menu_in_chinese():
    text = page()
    assert "<h1>粤点茶楼</h1>" in text and "12 号桌" in text
    for category in MENU["categories"]:
        assert f'href="#c-{category["id"]}"' in text and category["zh"] in text
    for item in MENU["items"]:
        assert f'data-id="{item["id"]}"' in text and item["zh"] in text
    har_gow = next(i for i in MENU["items"] if i["id"] == "har_gow")
    assert f'data-price="{har_gow["price"]}"' in text
    assert f'¥{har_gow["price"] // 100}.{har_gow["price"] % 100:02d}' in text
    assert '<html lang="zh-CN">' in text and 'class="en"' in text  # English is there for the tap


def test_each_option_group_with_its_price_delta_and_each_note_chip_once():
    text = page()
    for group in MENU["option_groups"]:
        assert text.count(f'<fieldset class="grp" data-g="{group["id"]}"') == 1
        for option in group["options"]:
            assert f'value="{option["id"]}"' in text
    assert '大<small class="en">Large</small> <i>+¥5.00</i>' in text
    for chip in MENU["note_chips"]:
        assert text.count(f'<label data-n="{chip["id"]}"') == 1
    drink = next(i for i in MENU["items"] if i["category"] == "drinks")
    assert re.search(rf'data-id="{drink["id"]}"[^>]*data-n="less_ice"', text)  # the drinks' chips only


def test_a_dish_with_options_asks_for_them_and_one_without_adds_at_once():
    text = page()
    with_options = next(i for i in MENU["items"] if i.get("option_groups"))
    without = next(i for i in MENU["items"] if not i.get("option_groups"))
    assert re.search(rf'data-id="{with_options["id"]}".*?class="add spec"', text)
    assert re.search(rf'data-id="{without["id"]}"[^<]*><button class="dn".*?class="add plus"', text)


def test_a_sold_out_dish_is_marked():
    menu = copy.deepcopy(MENU)
    first = next(i for i in menu["items"] if not i.get("sold_out"))
    assert not re.search(rf'<li class="dish out" data-id="{first["id"]}"', page(menu))
    first["sold_out"] = True
    text = page(menu)
    assert re.search(rf'<li class="dish out" data-id="{first["id"]}"[^>]*data-fixed-out="1"', text)
    assert text.count('class="dish out"') == page().count('class="dish out"') + 1


def test_names_from_the_menu_are_text_never_markup():
    menu = copy.deepcopy(MENU)
    menu["items"][0]["zh"] = '<script>alert(1)</script>"'
    menu["categories"][0]["en"] = "<img src=x onerror=alert(1)>"
    text = page(menu, name="<b>店</b>", table="12")
    assert "<script>alert" not in text and "<img src=x" not in text and "<b>店</b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in text


def test_the_mode_says_when_the_table_pays():
    assert "先吃后付" in page(mode="pay_after") and 'data-mode="pay_after"' in page(mode="pay_after")
    assert "先付后吃" in page(mode="pay_first")


def test_the_page_weighs_at_most_60_kb_gzipped_before_the_menu_shows():
    html = gzip.compress(page().encode("utf-8"), 6)
    total = len(html) + len(ASSETS["phone.css"].gzipped) + len(ASSETS["phone.js"].gzipped)
    assert total <= 60 * 1024, f"{total} bytes gzipped"
    assert URLS["css"] in page() and URLS["js"] in page()  # the page loads nothing else
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page())  # no CDN


def test_a_notice_says_it_in_chinese_then_english():
    text = render_notice("这个二维码无效", "请向店员求助。", "This table code is not valid", "Ask the staff.", URLS)
    assert text.index("这个二维码无效") < text.index("This table code is not valid")


def test_the_script_is_plain_es2017_for_the_in_app_browsers():
    """WeChat's and Alipay's in-app browsers run older engines: no modules, no syntax after ES2017
    (optional chaining, ??, class fields), and every text from outside set as text."""
    script = ASSETS["phone.js"].body.decode("utf-8")
    code = re.sub(r'"(?:[^"\\]|\\.)*"|/\*.*?\*/', '""', script, flags=re.S)  # strings and comments out
    for construct in ("?.", "??", "import ", "export ", "innerHTML", "outerHTML", "insertAdjacentHTML",
                      "document.write", "eval(", "new Function"):
        assert construct not in code, construct
