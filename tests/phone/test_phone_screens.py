"""The phone page at 390x844 (a common phone) as a guest sees it: nothing wider than the screen,
every button and link at least 44 px both ways, Chinese first and English on a tap, live sold-out
marks. The pictures of docs/phone-ordering.md are these screens (EDGE_UPDATE_GOLDEN=1 writes them
into docs/img; without it they go to the test's own folder)."""

from __future__ import annotations

import os
from pathlib import Path

import requests

from tests.phone.conftest import STORE, wait_text
from tests.support import wait_for
from upstream.store_settings import set_staff

ROOT = Path(__file__).resolve().parents[2]

SMALL_TARGETS = """() => [...document.querySelectorAll('button, a, label')].filter(e => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && (r.width < 44 || r.height < 44);
}).map(e => { const r = e.getBoundingClientRect();
  return `${e.tagName} ${e.id || e.className} "${e.innerText.trim().slice(0, 20)}" ${r.width}x${r.height}`; })"""


def picture_dir(tmp_path: Path) -> Path:
    return ROOT / "docs" / "img" if os.environ.get("EDGE_UPDATE_GOLDEN") == "1" else tmp_path


def picture(page, path: Path) -> None:
    """The screen without the passing toast, in 256 colours (a small file for the docs)."""
    from PIL import Image

    page.evaluate("document.querySelectorAll('.toast').forEach(t => t.remove())")
    page.screenshot(path=str(path))
    Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)


def check_screen(page, what: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{what} is wider than the phone"
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{what}: touch targets under 44 px: {small}"


def test_the_phone_screens_fit_a_phone_and_read_in_both_languages(world, tmp_path):
    out = picture_dir(tmp_path)
    alice, bob = world.phone(), world.phone()
    wait_text(alice, "#n-cart", "0", exact=True)
    check_screen(alice, "the menu")
    # a round in the kitchen, and a new cart being filled
    for item in ("har_gow", "char_siu_rice"):
        bob.click(f'.dish[data-id="{item}"] .add')
    wait_text(alice, "#n-cart", "2", exact=True)
    bob.click("#show-cart")
    bob.click("#submit")
    bob.click("#orders [data-close]")  # after 下单 the phone shows what the table ordered
    wait_text(alice, "#rounds", "已下厨", timeout_s=60)
    alice.click('.dish[data-id="beef_chow_fun"] .add')
    alice.click('#sheet .grp[data-g="size"] label:has(input[value="large"])')
    alice.click('#sh-chips label[data-n="less_oil"]')
    check_screen(alice, "the dish sheet")
    picture(alice, out / "phone-dish.png")
    alice.click("#sh-add")
    bob.click('.dish[data-id="milk_tea"] .add')
    bob.click("#sh-add")
    wait_text(alice, "#n-cart", "2", exact=True)
    alice.evaluate("window.scrollTo(0, 0)")
    picture(alice, out / "phone-menu.png")
    alice.click("#show-cart")
    check_screen(alice, "the cart")
    picture(alice, out / "phone-cart.png")
    alice.click("#cart [data-close]")
    alice.click("#show-orders")
    wait_text(alice, "#rounds", "取餐号")
    check_screen(alice, "the orders")
    picture(alice, out / "phone-orders.png")
    alice.click("#orders [data-close]")
    # English on a tap: names and buttons, the Chinese dish names stay
    alice.click("#lang")
    wait_text(alice, "#show-cart", "Cart")
    assert "Shrimp dumplings" in alice.inner_text("#menu") and "水晶虾饺皇" in alice.inner_text("#menu")
    check_screen(alice, "the English menu")
    picture(alice, out / "phone-menu-en.png")
    assert alice.errors == [] and bob.errors == []


def test_a_dish_sold_out_at_the_counter_greys_out_on_the_phones_at_once(world):
    phone = world.phone()
    wait_text(phone, "#n-cart", "0", exact=True)
    dish = '.dish[data-id="char_siu_bao"]'
    assert "out" not in phone.get_attribute(dish, "class")
    mark_sold_out(world, "char_siu_bao")
    wait_for(lambda: "out" in phone.get_attribute(dish, "class"), timeout=30, what="the dish greyed out")
    assert phone.is_hidden(f"{dish} .add") and "已售罄" in phone.inner_text(dish)
    assert phone.errors == []


def mark_sold_out(world, item: str) -> None:
    """估清 on the store's device, as a cashier does it (docs/cashier.md): the staff member set
    upstream reaches the device, logs in with the PIN and marks the dish; the device's event
    reaches the upstream."""
    set_staff(world.db, STORE, "cashier-1", "王小明", "cashier", "2468")
    core = f"http://127.0.0.1:{world.core.port}"
    wait_for(lambda: any(s.get("staff_id") == "cashier-1" for s in
                         requests.get(f"{core}/v1/cashier/staff", timeout=10).json().get("staff", [])),
             timeout=60, what="the staff member on the device")
    login = requests.post(f"{core}/v1/cashier/login", json={"staff_id": "cashier-1", "pin": "2468"}, timeout=30)
    assert login.status_code == 200, login.text
    marked = requests.post(f"{core}/v1/cashier/menu/items/{item}/sold-out", json={"sold_out": True}, timeout=30,
                           headers={"X-Staff-Session": login.json()["session"]})
    assert marked.status_code == 200, marked.text
