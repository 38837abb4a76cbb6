"""The request bodies of the core's API (edge.core.bodies): each broken body gets the refusal the
protocol documents, whatever the Content-Type; loose readings (PINs as text, flags) stay loose."""

from __future__ import annotations

import pytest
import requests

from edge.core import bodies
from edge.refusal import Refused

SCAN = ("bad_scan", "text")
PRINT_TEST = ("bad_request", "url")


@pytest.mark.parametrize("model,raw,status,code,field", [
    (bodies.ScanBody, b"", 400, "malformed_json", None),
    (bodies.ScanBody, b"[1]", 422, *SCAN),
    (bodies.ScanBody, b'{"text": 5}', 422, *SCAN),
    (bodies.ScanBody, b'{"text": "  "}', 422, *SCAN),
    (bodies.ScanBody, b'{"text": "' + b"a" * 4097 + b'"}', 422, *SCAN),
    (bodies.LoginBody, b"{nope", 400, "malformed_json", None),
    (bodies.LoginBody, b"[]", 422, "bad_request", None),
    (bodies.SoldOutBody, b'{"sold_out": "yes"}', 422, "bad_request", "sold_out"),
    (bodies.SoldOutBody, b'{"sold_out": null}', 422, "bad_request", "sold_out"),
    (bodies.StartPaymentBody, b'{"code": 5}', 422, "bad_request", "code"),
    (bodies.StartPaymentBody, b"", 422, "bad_request", "code"),
    (bodies.PrintTestBody, b"", 400, "malformed_json", None),
    (bodies.PrintTestBody, b"[]", 422, *PRINT_TEST),
    (bodies.PrintTestBody, b'{"url": 5}', 422, *PRINT_TEST),
    (bodies.PrinterScanBody, b'{"ports": [true]}', 422, "bad_request", None),
    (bodies.PrinterScanBody, b'{"ports": [9100.0]}', 422, "bad_request", None),
    (bodies.PrinterScanBody, b'{"subnet": 24}', 422, "bad_request", None),
    (bodies.ProbeBody, b"{}", 422, "bad_request", "url"),
])
def test_a_broken_body_gets_its_refusal(model, raw, status, code, field):
    with pytest.raises(Refused) as refused:
        model.parse(raw)
    assert (refused.value.status, refused.value.code, refused.value.field) == (status, code, field)
    assert refused.value.message


def test_receipt_refusals_name_the_printer_first():
    printers = {"printers": {"bar": object()}}
    with pytest.raises(Refused) as refused:
        bodies.ReceiptBody.parse(b'{"printer": "ghost", "pickup_code": 5}', printers)
    assert (refused.value.code, refused.value.message, refused.value.field) == \
        ("unknown_printer", "no printer 'ghost'", "printer")
    with pytest.raises(Refused) as refused:
        bodies.ReceiptBody.parse(b'{"printer": "bar", "pickup_code": "' + b"p" * 513 + b'"}', printers)
    assert (refused.value.code, refused.value.field) == ("bad_pickup_code", "pickup_code")
    assert bodies.ReceiptBody.parse(b"", printers) == bodies.ReceiptBody(printer=None, pickup_code="")


def test_loose_readings_are_kept():
    assert bodies.LoginBody.parse(b'{"staff_id": 7, "pin": 1234}') == bodies.LoginBody(staff_id="7", pin="1234")
    assert bodies.PinBody.parse(b'{"pin": null}').pin == "None"
    assert bodies.PinBody.parse(b"").pin == ""
    assert bodies.ScanBody.parse(b'{"text": " MT1 "}').text == "MT1"
    assert bodies.StartPaymentBody.parse(b'{"code": 5, "from_scan": 1}').code is None
    assert bodies.AbandonBody.parse(b'{"reason": ["x"]}').reason == "customer_cancelled"
    assert bodies.AbandonBody.parse(b'{"reason": "cash"}').reason == "cash"
    assert bodies.CloseDayBody.parse(b'{"print": 0}').print_it is False
    assert bodies.VerifyVoucherBody.parse(b'{"online": null}').online is False
    assert bodies.PrinterScanBody.parse(b'{"ports": 0}').ports == [9100]
    assert bodies.PrintTestBody.parse(b'{"url": "u", "wait": "soon"}').wait == 10.0
    assert bodies.SettingsBody.parse(b'{"device": null, "other": 1}').sections() == {"device": None}


def test_the_payment_code_is_never_echoed():
    with pytest.raises(Refused) as refused:
        bodies.StartPaymentBody.parse(b'{"code": ["134567890123456789"]}')
    assert "1345678" not in refused.value.message
    assert "1345678" not in repr(bodies.StartPaymentBody.parse(b'{"code": "134567890123456789"}'))


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
def test_a_body_is_read_when_it_says_it_is_json(menu_core, content_type):
    headers = {"Content-Type": content_type}
    answer = requests.post(f"{menu_core.url}/v1/scans", data=b'{"text": "hello"}', headers=headers, timeout=5)
    assert answer.status_code == 202, answer.text
    refused = requests.post(f"{menu_core.url}/v1/scans", data=b'{"text": ""}', headers=headers, timeout=5)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_scan"


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_a_body_of_another_content_type_is_refused(menu_core, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    answer = requests.post(f"{menu_core.url}/v1/scans", data=b'{"text": "hello"}', headers=headers, timeout=5)
    assert answer.status_code == 415 and answer.json()["error"]["code"] == "not_json", answer.text


def test_a_query_parameter_of_the_wrong_type_gets_the_one_error_shape(menu_core):
    answer = requests.get(f"{menu_core.url}/v1/orders?limit=many", timeout=5)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "bad_request" and answer.json()["error"]["field"] == "limit"
