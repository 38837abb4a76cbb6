"""Hypothesis fuzzing of every route of a real `edge core` process over 127.0.0.1 (issue 12): any
JSON (deep nesting, huge and non-finite numbers, wrong types, unicode), wrong content types,
oversized bodies declared or streamed in chunks, garbage bytes, odd Host and Origin values and
query strings. No answer may be a 5xx, the core's log shows no traceback, and its peak RSS
(VmHWM) stays within `RSS_BOUND` of where it started.

The routes and their query parameters come from the app itself, so a new endpoint is fuzzed too.
Examples are derandomized: the same requests on every run.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.config import load_config
from edge.core import bodies
from edge.core.app import create_app
from edge.core.service import EdgeService
from edge.demo.setup import MENU_FILE
from tests.cashier.helpers import MANAGER, seed
from tests.security.front_door_routes import fill, read_routes, state_changing_routes
from tests.support import CoreProcess, free_port

MiB = 1024 * 1024
RSS_BOUND = 100 * MiB
EXAMPLES = 400
JSON = "application/json"
STREAMING = {"/v1/events"}  # an endless stream: its answer is read by the front door test


def peak_rss(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) * 1024


def body_keys() -> list[str]:
    """Every key a body of the core names (its models, and the order the domain parses)."""
    names = {"client_token", "service", "table", "payment", "lines", "item_id", "qty", "options", "notes"}
    for model in bodies.Body.__subclasses__():
        names |= {field.alias or name for name, field in model.model_fields.items()}
    return sorted(names)


def query_parameters() -> dict[str, list[str]]:
    """For each GET path, the names of its query parameters."""
    paths = create_app(None).openapi()["paths"]
    return {path: [p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"]
            for path, ops in paths.items() if "get" in ops}


class Raw(str):
    """A number literal written as is (5,000 digits, 1e999, NaN), which json.dumps cannot make."""


def dump(value: object) -> str:
    """JSON text of `value`, with `Raw` literals as they are (recursion bounded by the strategies)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    return json.dumps(value, allow_nan=True)


# -- strategies -----------------------------------------------------------------------------------
WORDS = ["har_gow", "beef_chow_fun", "rush", "no_scallion", "large", "mild2", "dine_in", "takeaway", "code",
         "counter", "cash", "customer_cancelled", "12", "2026-12-04", "m1", "c1", "9876", "1234", "80mm-gb18030",
         "", " ", "null", "\x00", "\u202e", "水晶虾饺", "😀" * 3]
keys = st.sampled_from(body_keys()) | st.text(max_size=12)
texts = st.sampled_from(WORDS) | st.text(max_size=40).filter(lambda text: "://" not in text)  # no printer urls
raw_numbers = st.sampled_from(["9" * 5000, "-" + "9" * 4000, "0." + "1" * 4000, "1e999", "-1e999", "1e-999",
                               "NaN", "Infinity", "-Infinity", "1" * 33, "99", "-0", "1E400"]).map(Raw)
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10 ** 40), max_value=10 ** 40)
           | st.floats(allow_nan=True, allow_infinity=True) | texts | raw_numbers)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
                      max_leaves=16)
objects = st.dictionaries(keys, values, max_size=6)
orders = st.fixed_dictionaries({"client_token": texts, "lines": st.lists(st.fixed_dictionaries(
    {"item_id": texts, "qty": scalars}, optional={"options": values, "notes": values}), max_size=3)},
    optional={"notes": values, "table": scalars, "service": texts, "payment": texts})
documents = objects | values | orders


@st.composite
def nested(draw) -> str:
    depth = draw(st.integers(1, 40_000))
    opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('[{"notes":', "}]")]))
    key = draw(st.sampled_from(body_keys()))
    return f'{{"{key}": {opening * depth}1{closing * depth}}}'


header_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
content_types = st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                 "application/json-patch+json", "application/jsonx", "", "json",
                                 "application/json; charset=utf-16", "application/json; charset=latin-1",
                                 "application/json;;;", "application/json, text/plain"]) | header_text

requests_ = st.one_of(
    st.tuples(st.just("json"), documents.map(dump)),
    st.tuples(st.just("json"), nested()),
    st.tuples(st.just("content-type"), st.tuples(content_types, documents.map(dump))),
    st.tuples(st.just("garbage"), st.binary(max_size=4096)),
    st.tuples(st.just("oversize"), st.tuples(st.sampled_from([4095, 4097, 16_385, 65_537, 300_000]), st.booleans(),
                                             st.integers(1, 70_000))),
    st.tuples(st.just("chunked"), st.tuples(documents.map(dump), st.integers(1, 64))),
    st.tuples(st.just("headers"), st.tuples(st.sampled_from(["Host", "Origin"]), header_text)),
)


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    """A real `edge core` process with the demo menu, two staff, one order; and a manager's session."""
    root = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    config_file = root / "edge.toml"
    config_file.write_text(f'[device]\ndata_dir = "{root / "data"}"\n[core]\nport = {port}\n'
                           f'[menu]\nfile = "{MENU_FILE}"\n', encoding="utf-8")
    service = EdgeService(load_config(config_file, environ={})).open(start_printing=False)
    seed(service)
    order = service.place_order({"client_token": "seed", "lines": [{"item_id": "har_gow"}]})[0]
    service.close()
    with open(root / "core.log", "ab") as log:
        process = CoreProcess(config_file, port, log)
        process.start()
        try:
            process.url = f"http://127.0.0.1:{port}"
            process.log_path = root / "core.log"
            process.ids = {"order_id": order["id"], "item_id": "har_gow", "job_id": order["print_jobs"][0]["id"]}
            login = requests.post(f"{process.url}/v1/cashier/login", json={"staff_id": MANAGER[0], "pin": MANAGER[3]},
                                  timeout=30)
            assert login.status_code == 200, login.text
            process.session = login.json()["session"]
            yield process
        finally:
            process.kill()


def send(core, http: requests.Session, method: str, path: str, attack: tuple, staff: bool) -> int | None:
    """One fuzzed request; its status, or None when the core closed the connection on a body over its limit."""
    kind, what = attack
    url = core.url + fill(path, core.ids)
    headers = {"Content-Type": JSON, **({"X-Staff-Session": core.session} if staff else {})}
    data: object = b""
    if kind == "json":
        data = what.encode()
    elif kind == "content-type":
        headers["Content-Type"], data = what[0], what[1].encode()
    elif kind == "garbage":
        data = what
    elif kind == "chunked":
        text, size = what
        encoded = text.encode()
        data = iter([encoded[i:i + size] for i in range(0, len(encoded), size)] or [b""])
    elif kind == "headers":
        headers[what[0]] = what[1]
        data = b"{}"
    elif kind == "oversize":
        size, declared, chunk = what
        body = b'{"text": "' + b"x" * size + b'"}'
        data = body if declared else iter([body[i:i + chunk] for i in range(0, len(body), chunk)])
        try:  # a connection of its own: the core may close it once the body passes its limit
            return requests.request(method, url, data=data, headers=headers, timeout=60).status_code
        except requests.ConnectionError:
            return None
    return http.request(method, url, data=data, headers=headers, timeout=60).status_code


def test_no_request_gets_a_5xx_and_memory_stays_bounded(core):
    http = requests.Session()
    start = peak_rss(core.process.pid)
    routes = state_changing_routes()
    queries = query_parameters()
    reads = [path for path in read_routes() if path not in STREAMING]
    answers: dict[str, list[int | None]] = {}
    kinds: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(route=st.sampled_from(routes), attack=requests_, staff=st.booleans())
    def fuzz_bodies(route, attack, staff):
        method, path = route
        status = send(core, http, method, path, attack, staff)
        answers.setdefault(path, []).append(status)
        kinds[attack[0], status] += 1
        assert status is None and attack[0] == "oversize" or status is not None and status < 500, \
            (method, path, attack if len(repr(attack)) < 2000 else repr(attack)[:2000], status)

    @settings(max_examples=EXAMPLES // 4, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(reads), query=st.dictionaries(st.text(max_size=8), scalars.map(dump), max_size=3),
           named=st.data())
    def fuzz_queries(path, query, named):
        names = queries.get(path, [])
        if names:
            query[named.draw(st.sampled_from(names))] = named.draw(scalars.map(dump))
        answer = http.get(core.url + fill(path, core.ids), params=query, timeout=60)
        assert answer.status_code < 500, (path, query, answer.status_code, answer.text[:500])

    fuzz_bodies()
    fuzz_queries()
    assert set(answers) == {path for _, path in routes}, "every state-changing route was fuzzed"
    assert requests.get(f"{core.url}/v1/health", timeout=10).json() == {"ok": True}
    grown = peak_rss(core.process.pid) - start
    assert grown < RSS_BOUND, f"the core's peak RSS grew by {grown // MiB} MiB"
    log = core.log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-4000:]
    print(f"fuzzed {sum(map(len, answers.values()))} bodies on {len(answers)} routes; peak RSS +{grown // MiB} MiB;"
          f" (kind, status): {sorted(kinds.items(), key=str)}")
