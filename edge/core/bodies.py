"""The request bodies of the core's local API: one pydantic model per body, with the refusal a
broken one gets (docs/protocol.md). The one place a body is decoded and checked.

A body is a JSON object; `Body.parse(raw)` decodes and validates it or raises `Refused`:
`400 malformed_json` when it is not JSON, `Body.not_object` when it is JSON but not an object,
and for a bad field the refusal `Body.refusals` names for that field (key None: a rule of the
whole body), else `Body.invalid`, else `422 bad_request` naming the field. Fields the domain
checks itself (vouchers, refunds, settings, ...) are typed `object` here and passed on as sent.
The order body is the domain's to parse (`edge.orders.parse_order_request`): `json_document`
only decodes it.

Every body is decoded by `decode`, strictly: arrays and objects nest at most `MAX_DEPTH` deep
(`400 too_deep`), a number has at most `MAX_NUMBER_CHARS` characters and is finite (`400
bad_number`: no 5,000-digit integers, no `1e999`, `NaN` or `Infinity`), so no body can make the
core recurse, spend seconds on a number or fail on one later.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr, \
    ValidationError, ValidationInfo, field_validator, model_validator

from edge.refusal import Refused


class Refusal(NamedTuple):
    """The answer to a broken body; `message` may be built from the value that was sent."""

    status: int
    code: str
    message: str | Callable[[object], str]
    field: str | None = None

    def refused(self, value: object = None) -> Refused:
        message = self.message(value) if callable(self.message) else self.message
        return Refused(self.status, self.code, message, self.field)


NOT_JSON = Refusal(400, "malformed_json", "the body is not valid JSON")
NOT_OBJECT = Refusal(422, "bad_request", "the body must be a JSON object")
MAX_DEPTH = 32
"""Arrays and objects inside one another: the deepest real body (an order) nests 3 deep."""
MAX_NUMBER_CHARS = 32
"""Characters of one number: money is in fen, quantities are 1-99."""
TOO_DEEP = Refusal(400, "too_deep", f"the body nests arrays and objects more than {MAX_DEPTH} deep")
BAD_NUMBER = Refusal(400, "bad_number", f"a number in the body is not finite or has more than {MAX_NUMBER_CHARS} "
                                        "characters")


class _Unreadable(Exception):
    """Raised inside the JSON decoder: the body is refused with `refusal`."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.code)
        self.refusal = refusal


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Unreadable(BAD_NUMBER)
    return int(text)


def _real(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise _Unreadable(BAD_NUMBER)
    return value


def _constant(text: str) -> float:
    raise _Unreadable(BAD_NUMBER)  # NaN, Infinity, -Infinity: not JSON


def _too_deep(doc: object) -> bool:
    """Whether `doc` nests containers more than MAX_DEPTH deep (walked without recursion)."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def decode(raw: bytes) -> object:
    """The JSON value of a body, or `Refused`: `400 malformed_json`, `400 too_deep` or `400 bad_number`."""
    try:
        doc = json.loads(raw, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except _Unreadable as unreadable:
        raise unreadable.refusal.refused() from None
    except RecursionError:
        raise TOO_DEEP.refused() from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise Refused(400, "malformed_json", f"the body is not valid JSON: {error}") from None
    if _too_deep(doc):
        raise TOO_DEEP.refused()
    return doc


def json_document(raw: bytes) -> object:
    """Any JSON value (the order body, which the domain checks), or the refusal of `decode`."""
    return decode(raw)


# -- field types: today's loose readings of a value, kept exactly ------------------------------------
Text = Annotated[str, BeforeValidator(lambda value: str(value or ""))]
"""Anything, read as text (`str(value or "")`): PINs and staff ids."""
Flag = Annotated[bool, BeforeValidator(bool)]
"""Anything, read as true or false (`bool(value)`)."""


class Body(BaseModel):
    """A JSON object body. Keys no model names are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    empty: ClassVar[dict[str, Any] | None] = {}
    """What an empty body means; None: an empty body is not JSON."""
    not_object: ClassVar[Refusal] = NOT_OBJECT
    refusals: ClassVar[dict[str | None, Refusal]] = {}
    invalid: ClassVar[Refusal | None] = None

    @classmethod
    def parse(cls, raw: bytes, context: dict | None = None) -> Self:
        """The body, or `Refused`; `context` is what a model's checks need from the device (printers)."""
        if not raw and cls.empty is not None:
            doc: object = dict(cls.empty)
        else:
            try:
                doc = decode(raw)
            except Refused as refusal:
                if refusal.code != NOT_JSON.code:
                    raise
                raise NOT_JSON.refused() from None
        if not isinstance(doc, dict):
            raise cls.not_object.refused(doc)
        try:
            return cls.model_validate(doc, context=context)
        except ValidationError as error:
            raise cls.refusal(error.errors(include_url=False)[0], doc) from None

    @classmethod
    def refusal(cls, problem: dict, doc: dict) -> Refused:
        """The refusal of the first problem pydantic found (fields in the order the model lists them)."""
        name = str(problem["loc"][0]) if problem["loc"] else None
        value = doc.get(name) if name is not None else doc
        if name in cls.refusals:
            return cls.refusals[name].refused(value)
        if cls.invalid is not None:
            return cls.invalid.refused(value)
        return Refused(422, "bad_request", f"'{name}': {problem['msg']}" if name else problem["msg"], name)


# -- kiosk -------------------------------------------------------------------------------------------
ScreenId = Annotated[StrictStr | None, Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")]
BAD_SCREEN = Refusal(422, "bad_screen", "'screen' must be the UI's screen id (1-64 letters, digits, - or _)", "screen")


class ScanBody(Body):
    """POST /v1/scans: a code typed by a keyboard-wedge scanner at the UI `screen` (its screen id)."""

    text: Annotated[StrictStr, Field(max_length=4096)]
    screen: ScreenId = None
    refusals: ClassVar = {"screen": BAD_SCREEN}

    empty: ClassVar = None
    not_object: ClassVar = Refusal(422, "bad_scan", "'text' must be the scanned text (1-4096 characters)", "text")
    invalid: ClassVar = not_object

    @field_validator("text")
    @classmethod
    def _stripped(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("blank")
        return text.strip()


# -- cashier -----------------------------------------------------------------------------------------
class LoginBody(Body):
    """POST /v1/cashier/login."""

    staff_id: Text = ""
    pin: Text = ""


class VerifyVoucherBody(Body):
    """POST /v1/cashier/vouchers/verify: the code, or the id of a voucher this device knows."""

    code: object = None
    voucher_id: object = None
    online: Flag = True


class RedeemVoucherBody(Body):
    """POST /v1/cashier/vouchers/redeem."""

    code: object = None
    voucher_id: object = None
    order_id: object = None


class PickupBody(Body):
    """POST /v1/cashier/pickups: the pickup code or the order id."""

    order_id: object = None
    code: object = None


class VoidBody(Body):
    """POST /v1/cashier/orders/{id}/void: lines [{line_no, qty}] or null for everything, the reason
    (required), a manager's id and PIN above the store's threshold."""

    lines: object = None
    reason: object = None
    manager_id: object = None
    manager_pin: object = Field(None, repr=False)


class RefundBody(Body):
    """POST /v1/cashier/orders/{id}/refund."""

    amount: object = None
    reason: object = None
    manager_id: object = None
    manager_pin: object = Field(None, repr=False)


class SoldOutBody(Body):
    """POST /v1/cashier/menu/items/{id}/sold-out."""

    sold_out: StrictBool = True

    refusals: ClassVar = {"sold_out": Refusal(422, "bad_request", "'sold_out' is true or false", "sold_out")}


class DayBody(Body):
    """POST /v1/cashier/reports/day/print: the business day (YYYY-MM-DD, default today)."""

    date: object = None


class CloseDayBody(Body):
    """POST /v1/cashier/reports/day/close."""

    date: object = None
    print_it: Flag = Field(True, alias="print")


# -- payments ----------------------------------------------------------------------------------------
PAYMENT_CODE_ONLY = Refusal(422, "bad_request", "send {\"code\": \"...\"} or {\"from_scan\": true}", "code")


class StartPaymentBody(Body):
    """POST /v1/orders/{id}/payments: {"code": "..."} or {"from_scan": true}. The code is never echoed."""

    code: Annotated[str | None, BeforeValidator(lambda value: value if isinstance(value, str) else None)] \
        = Field(None, repr=False)
    from_scan: Flag = False
    screen: ScreenId = None  # with from_scan: the screen asking (a code pays only its own screen's order)

    refusals: ClassVar = {None: PAYMENT_CODE_ONLY, "screen": BAD_SCREEN}

    @model_validator(mode="after")
    def _code_or_scan(self) -> Self:
        if self.code is None and not self.from_scan:
            raise ValueError("no code")
        return self


class ShowingBody(Body):
    """POST /v1/screens/{screen}/showing: the pay screen of `order_id` is up (null: it is gone)."""

    order_id: Annotated[StrictStr | None, Field(None, min_length=1, max_length=64)] = None
    refusals: ClassVar = {"order_id": Refusal(422, "bad_request", "'order_id' must be an order id or null",
                                              "order_id")}


ABANDON_REASONS = ("customer_cancelled", "cash")


class AbandonBody(Body):
    """POST /v1/payments/{id}/abandon: why (anything else reads as customer_cancelled)."""

    reason: Annotated[str, BeforeValidator(lambda value: value if value in ABANDON_REASONS else ABANDON_REASONS[0])] \
        = ABANDON_REASONS[0]


# -- tables ------------------------------------------------------------------------------------------
class CloseTableBody(Body):
    """POST /v1/tables/{session}/close: 清台; `force` with a manager's id and PIN while money is due."""

    force: StrictBool = False
    manager_id: object = None
    manager_pin: object = Field(None, repr=False)

    refusals: ClassVar = {"force": Refusal(422, "bad_request", "'force' is true or false", "force")}


BILL_METHOD = Refusal(422, "bad_method", "send {\"method\": \"cash\"}, or {\"method\": \"code\", \"code\": \"...\"} "
                      "or {\"method\": \"code\", \"from_scan\": true, \"screen\": \"...\"}", "method")


class PayBillBody(Body):
    """POST /v1/tables/{session}/pay: the whole bill by cash, or by one payment code (never echoed)."""

    method: Literal["cash", "code"]
    code: Annotated[str | None, BeforeValidator(lambda value: value if isinstance(value, str) else None)] \
        = Field(None, repr=False)
    from_scan: Flag = False
    screen: ScreenId = None

    empty: ClassVar = None
    refusals: ClassVar = {"method": BILL_METHOD, None: BILL_METHOD, "screen": BAD_SCREEN}

    @model_validator(mode="after")
    def _code_or_scan(self) -> Self:
        if self.method == "code" and self.code is None and not self.from_scan:
            raise ValueError("no code")
        return self


# -- printing ----------------------------------------------------------------------------------------
class ReceiptBody(Body):
    """POST /v1/orders/{id}/receipt: which printer (default: the receipt station's) and the pickup code.
    Parsed with context {"printers": the configured printers}."""

    printer: StrictStr | None = None
    pickup_code: Annotated[StrictStr, Field(max_length=512)] = ""

    refusals: ClassVar = {
        "printer": Refusal(422, "unknown_printer", lambda printer: f"no printer {printer!r}", "printer"),
        "pickup_code": Refusal(422, "bad_pickup_code", "pickup_code must be a string of at most 512 characters",
                               "pickup_code"),
    }

    @field_validator("printer")
    @classmethod
    def _configured(cls, printer: str | None, info: ValidationInfo) -> str | None:
        if printer is not None and printer not in info.context["printers"]:
            raise ValueError("not configured")
        return printer


class PrintTestBody(Body):
    """POST /v1/print-test: a configured printer's name, or a url (a configured printer's, or a
    tcp:// address on the LAN: edge.core.print_test_target decides); a profile; how long to wait
    for a queued test page."""

    printer: StrictStr | None = None
    url: StrictStr | None = None
    profile: StrictStr | None = None
    wait: Annotated[float, BeforeValidator(lambda value: float(value) if isinstance(value, (int, float)) else 10.0)] \
        = 10.0

    empty: ClassVar = None
    not_object: ClassVar = Refusal(422, "bad_request", "send {\"printer\": \"NAME\"} or "
                                                       "{\"url\": \"tcp://HOST:PORT\", \"profile\": \"NAME\"}", "url")
    invalid: ClassVar = not_object
    refusals: ClassVar = {"profile": Refusal(422, "bad_profile", "profile must be a printer profile's name", "profile")}


# -- technician --------------------------------------------------------------------------------------
class PinBody(Body):
    """POST /v1/technician/login and /v1/technician/pin."""

    pin: Annotated[str, BeforeValidator(str)] = Field("", repr=False)


class SettingsBody(Body):
    """POST /v1/technician/settings: the sections to change (the desk checks each)."""

    device: object = None
    scanner: object = None
    printers: object = None
    stations: object = None

    def sections(self) -> dict:
        """The sections that were sent, as sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class EnrollBody(Body):
    """POST /v1/technician/enroll: `confirm`, the id of the held code the technician saw and
    confirmed (the state's enroll_code.id); needed when the device is enrolled already."""

    confirm: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{16}$")] | None = None

    invalid: ClassVar = Refusal(422, "bad_request", "send {} or {\"confirm\": \"<enroll_code.id>\"}", "confirm")


class PrinterScanBody(Body):
    """POST /v1/technician/printers/scan: a subnet (default: the device's own) and ports."""

    subnet: StrictStr | None = None
    ports: Annotated[list[StrictInt], BeforeValidator(lambda value: value or [9100])] = [9100]

    invalid: ClassVar = Refusal(422, "bad_request", "send {\"subnet\": \"192.168.1.0/24\", \"ports\": [9100]}")


class ProbeBody(Body):
    """POST /v1/technician/printers/probe: one printer's url."""

    url: StrictStr

    invalid: ClassVar = Refusal(422, "bad_request", "send {\"url\": \"tcp://HOST:PORT\"}", "url")
