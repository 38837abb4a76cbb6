"""A phone that opens a forged table code sees a page that says the code is not valid and to ask
the staff (Chinese, English below); it gets no cookie and can order nothing."""

from __future__ import annotations


from tests.phone.conftest import PHONE, STORE, WECHAT_UA
from upstream.store_settings import table_code


def test_a_forged_table_code_is_refused_with_a_page(bare_upstream, browser):
    code = table_code(bare_upstream.db, STORE, "12", "order.example.com")
    forged = bare_upstream.url + code.split("order.example.com", 1)[1].replace("/t/s1/12?", "/t/s1/13?")
    context = browser.new_context(viewport=PHONE, is_mobile=True, user_agent=WECHAT_UA)
    try:
        page = context.new_page()
        answer = page.goto(forged)
        assert answer.status == 403
        text = page.inner_text("body")
        assert "这个二维码无效" in text and "请向店员求助" in text and "This table code is not valid" in text
        assert text.index("这个二维码无效") < text.index("This table code is not valid")
        assert context.cookies() == []
        assert page.evaluate("fetch('/v1/table/state').then(r => r.status)") == 401
        assert bare_upstream.db.scalar("SELECT count(*) AS n FROM table_sessions") == 0
    finally:
        context.close()
