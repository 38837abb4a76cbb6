"""The kiosk's words in Chinese (first) and English, and helpers to name menu things.

Every menu entity (item, category, option group, option, note chip) carries `zh` and `en`;
`name()` picks the current language with the other as fallback, `both()` shows the current
language first and the other in brackets, as a bilingual restaurant sign does.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "brand": ("自助点餐", "Self-order"),
    "lang_button": ("English", "中文"),
    "loading_menu": ("正在加载菜单…", "Loading the menu…"),
    "menu_failed": ("菜单加载失败", "The menu could not be loaded"),
    "retry": ("重试", "Try again"),
    "back": ("返回", "Back"),
    "cancel": ("取消", "Cancel"),
    "sold_out": ("售罄", "Sold out"),
    "cart": ("购物车", "Cart"),
    "cart_summary": ("已选 {count} 件  合计 {total}", "{count} {items}  total {total}"),
    "cart_empty": ("购物车是空的，请先选餐。", "Your cart is empty. Please choose some dishes."),
    "checkout": ("去结算", "Checkout"),
    "keep_ordering": ("继续点餐", "Keep ordering"),
    "remove": ("删除", "Remove"),
    "total": ("合计", "Total"),
    "options_for": ("请选择", "Choose"),
    "notes": ("备注", "Notes"),
    "order_notes": ("整单备注", "Notes for the whole order"),
    "add_to_cart": ("加入购物车 {price}", "Add to cart {price}"),
    "service": ("用餐方式", "Eat here or take away?"),
    "dine_in": ("堂食", "Dine in"),
    "takeaway": ("打包带走", "Takeaway"),
    "table": ("桌号", "Table"),
    "table_none": ("未选桌号：请凭取餐号取餐", "No table: we call your ticket number"),
    "clear": ("清除", "Clear"),
    "place_order": ("确认下单（到柜台付款）", "Place order (pay at counter)"),
    "pay_by_code": ("扫码支付", "Pay by payment code"),
    "placing": ("正在下单，请稍候…", "Placing your order…"),
    "choose_service": ("请先选择堂食或打包", "Please choose dine in or takeaway"),
    "summary": ("{count} 件  合计 {total}", "{count} {items}  total {total}"),
    "quit_hint": ("按 Ctrl+Q 退出", "Press Ctrl+Q to quit"),
    "ticket": ("您的取餐号", "Your ticket number"),
    "pay_at_counter": ("请到柜台付款", "Please pay at the counter"),
    "placed_table": ("堂食 · {table} 号桌", "Dine in · table {table}"),
    "placed_dine_in": ("堂食", "Dine in"),
    "placed_takeaway": ("打包带走", "Takeaway"),
    "done": ("完成", "Done"),
    "tap_to_start": ("点击任意处返回首页", "Tap anywhere to start again"),
    "core_online": ("● 系统正常", "● Online"),
    "core_offline": ("○ 无法连接系统", "○ System offline"),
    "core_connecting": ("… 正在连接", "… Connecting"),
    "printer_problem": ("⚠ 打印机 {printer}：{error}", "⚠ Printer {printer}: {error}"),
    "sync_offline": ("⚠ 离线：{pending} 单未同步", "⚠ Offline: {pending} not synced"),
    "sync_reenroll": ("⚠ 需重新注册设备：{pending} 单未同步", "⚠ Needs re-enrollment: {pending} not synced"),
    "error_title": ("下单未成功", "The order was not placed"),
    "error_kept": ("您选的菜品都还在。", "Everything you chose is still here."),
    "err_offline": ("暂时无法连接点餐系统。请稍后重试，或到柜台点餐。",
                    "The ordering system cannot be reached right now. Please try again, or order at the counter."),
    "err_sold_out": ("抱歉，有菜品刚刚售罄，请在购物车中删除后再下单。",
                     "Sorry, a dish has just sold out. Please remove it from your cart and order again."),
    "err_storage": ("订单未能保存。请到柜台点餐，我们马上处理。",
                    "Your order could not be saved. Please order at the counter; staff will help."),
    "err_token_reused": ("这个订单之前已提交过（内容不同）。请到柜台确认；再次下单将作为新订单。",
                         "This order was already sent earlier with other items. Please check at the counter;"
                         " ordering again makes a new order."),
    "err_other": ("系统未能接受这个订单。", "The system could not accept this order."),
    "unavailable": ("（已售罄，请删除）", "(sold out, please remove)"),
    # -- scanning (table codes, payment codes, rejected codes, the camera) --------------------
    "table_badge": ("桌 {table} 已绑定", "Table {table}"),
    "table_scanned": ("桌号: {table}（已扫码绑定）", "Table: {table} (scanned)"),
    "table_scanned_hint": ("桌号不对？可用下方键盘修改", "Wrong? Use the keypad"),
    "scan_hint": ("请扫桌上二维码或输入桌号", "Scan your table's QR code"),
    "table_bound_title": ("已绑定桌号", "Table set"),
    "table_bound": ("{table} 号桌，堂食", "Table {table}, dine in"),
    "table_changed_title": ("桌号已更换", "Table changed"),
    "table_changed": ("{old} 号桌 → {table} 号桌", "Table {old} → table {table}"),
    "table_too_late": ("订单已提交，桌号未更改。如需更改请联系服务员。",
                       "Your order has already been sent; the table was not changed. Please ask staff."),
    "unknown_code": ("无法识别的二维码", "Unknown code"),
    "reason_forged_table": ("桌码无效，请联系服务员", "This table code is not valid, please ask staff"),
    "reason_other_store": ("这是其他门店的码，请联系服务员",
                           "This code belongs to another restaurant, please ask staff"),
    "reason_unknown_key": ("桌码已停用或尚未启用，请联系服务员",
                           "This table code is not active here, please ask staff"),
    "reason_no_keys": ("本机暂时无法验证此码，请联系服务员", "This kiosk cannot check this code yet, please ask staff"),
    "reason_damaged": ("二维码已损坏，请联系服务员", "The code is damaged, please ask staff"),
    "reason_invalid": ("此码无效，请联系服务员", "This code is not valid, please ask staff"),
    "reason_too_long": ("内容过长，不是本店的码", "Too long to be one of our codes"),
    "reason_none": ("请扫描桌上的二维码", "Please scan the QR code on your table"),
    "not_for_screen": ("此码不适用于本屏幕", "This code is not for this screen"),
    "not_for_screen_detail": ("请到柜台出示", "Please show it at the counter"),
    "payment_read": ("已识别 {channel}", "{channel} read"),
    "payment_at_counter": ("{code}\n请到柜台付款", "{code}\nPlease pay at the counter"),
    "channel_alipay": ("支付宝付款码", "Alipay code"),
    "channel_wechat": ("微信支付码", "WeChat Pay code"),
    "channel_unionpay": ("银联付款码", "UnionPay code"),
    "channel_other": ("付款码", "Payment code"),
    "scan_failed": ("扫码未能处理，请重试或联系服务员", "The scan could not be processed; try again or ask staff"),
    "camera_offline": ("⚠ 摄像头离线", "⚠ Camera offline"),
    "camera_ended": ("⚠ 摄像头已停止", "⚠ Camera stopped"),
}


def translator(table: dict[str, tuple[str, str]]):
    """A lookup `t(key, lang, **values)` over a table of (zh, en) pairs: the string in `lang`
    ("zh" or "en"), formatted with `values`."""

    def t(key: str, lang: str, **values: object) -> str:
        zh, en = table[key]
        text = en if lang == "en" else zh
        if "count" in values and "items" not in values:
            values["items"] = "item" if values["count"] == 1 else "items"
        return text.format(**values) if values else text

    return t


t = translator(STRINGS)


def name(thing: dict, lang: str) -> str:
    """The name of a menu entity in `lang`, falling back to the other language, then its id."""
    first, second = ("en", "zh") if lang == "en" else ("zh", "en")
    return str(thing.get(first) or thing.get(second) or thing.get("id", "?"))


def other_name(thing: dict, lang: str) -> str:
    """The name in the other language ('' when it is missing or the same)."""
    other = name(thing, "zh" if lang == "en" else "en")
    return "" if other == name(thing, lang) else other


def both(thing: dict, lang: str) -> str:
    """'水晶虾饺皇 (Shrimp dumplings)' in Chinese, 'Shrimp dumplings (水晶虾饺皇)' in English.

    A name that has brackets of its own is joined with ' · ' instead, so the reader never sees
    'Shrimp dumplings (har gow))'."""
    first, second = name(thing, lang), other_name(thing, lang)
    if not second:
        return first
    if any(mark in first + second for mark in "()（）"):
        return f"{first} · {second}"
    return f"{first} ({second})"


def other_language(lang: str) -> str:
    return "en" if lang == "zh" else "zh"
