"""Property tests (hypothesis) of POST /v1/ingest against a live upstream: whatever arrives,
never a 5xx; a 4xx stores nothing; a 200 answers each event exactly as a model predicts
(new -> stored, same body again -> duplicate, other body -> rejected/conflict)."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.fixtures import batch, make_event, order_payload, raw_device, signed

json_scalars = st.none() | st.booleans() | st.integers(-2**62, 2**62) | \
    st.floats(allow_nan=False, allow_infinity=False) | st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)

BREAKS = [
    lambda e: e.update(device_seq=-1), lambda e: e.update(device_seq="1"), lambda e: e.pop("payload"),
    lambda e: e.update(payload_sha256="f" * 64), lambda e: e["payload"].update(total=-5),
    lambda e: e.update(type=""), lambda e: e["occurred"].pop("boot_id"), lambda e: e.update(event_id=None),
]

op = st.one_of(
    st.tuples(st.just("new"), json_values),
    st.tuples(st.just("order"), st.integers(0, 10**7)),
    st.tuples(st.just("replay"), st.integers(0, 10**6)),
    st.tuples(st.just("conflict"), st.integers(0, 10**6)),
    st.tuples(st.just("broken"), st.integers(0, len(BREAKS) - 1)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(op, min_size=1, max_size=8), min_size=1, max_size=4))
def test_ingest_matches_the_model(sqlite_upstream, batches):
    client = raw_device(sqlite_upstream)
    db = sqlite_upstream.db
    held: dict[str, dict] = {}  # event_id -> the event upstream holds
    seq = 0
    for ops in batches:
        events, broken = [], False
        for kind, arg in ops:
            seq += 1
            if kind == "new":
                ev = make_event(seq, {"value": arg}, "note.added")
            elif kind == "order":
                ev = make_event(seq, order_payload(total=arg))
            elif kind in ("replay", "conflict") and held:
                ev = copy.deepcopy(list(held.values())[arg % len(held)])
                if kind == "conflict":
                    ev = make_event(ev["device_seq"], {"value": ["changed", arg]}, "note.added",
                                    event_id=ev["event_id"])
            elif kind == "broken":
                ev = make_event(seq)
                BREAKS[arg](ev)
                broken = True
            else:
                ev = make_event(seq)
            events.append(ev)
        before = db.scalar("SELECT count(*) FROM events")
        answer = signed(client, "POST", "/v1/ingest", batch(*events))
        assert answer.status_code < 500, answer.text
        if broken:
            assert answer.status_code in (400, 413, 422), answer.text
        if answer.status_code != 200:
            assert answer.json()["error"]["message"]
            assert db.scalar("SELECT count(*) FROM events") == before, "a refused batch stores nothing"
            continue
        seen_in_batch: dict[str, dict] = {}
        for ev, result in zip(events, answer.json()["results"], strict=True):
            assert result["event_id"] == ev["event_id"]
            known = held.get(ev["event_id"]) or seen_in_batch.get(ev["event_id"])
            if known is None:
                assert result["status"] == "stored"
                seen_in_batch[ev["event_id"]] = ev
            elif known["payload_sha256"] == ev["payload_sha256"] and known["type"] == ev["type"] \
                    and known["device_seq"] == ev["device_seq"]:
                assert result["status"] == "duplicate"
            else:
                assert result["status"] == "rejected" and result["code"] == "conflict"
        held.update(seen_in_batch)
        assert db.scalar("SELECT count(*) FROM events") == before + len(seen_in_batch)
    for event_id, ev in held.items():
        assert db.scalar("SELECT payload_sha256 FROM events WHERE event_id = ?", [event_id]) == ev["payload_sha256"]
