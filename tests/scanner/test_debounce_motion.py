"""Debounce windows and change detection, on their own."""

from edge.scanner.debounce import DEFAULT_WINDOW, Debouncer
from edge.scanner.motion import ChangeDetector
from edge.scanner.synth import Look, background, degrade, pay_frame

ALIPAY = "284512345678901234"


def test_a_code_in_view_for_ten_seconds_is_one_scan():
    debouncer = Debouncer()
    sightings = [debouncer.seen(ALIPAY, now=i / 15) for i in range(150)]  # 15 fps for 10 s
    assert sightings.count(True) == 1 and sightings[0]


def test_reads_with_gaps_shorter_than_the_window_stay_one_scan():
    debouncer = Debouncer(window=DEFAULT_WINDOW)
    times = [0.0, 1.0, 2.9, 5.5, 8.0, 10.9]  # a reader that misses frames now and then
    assert [debouncer.seen(ALIPAY, now=t) for t in times] == [True] + [False] * 5


def test_gone_for_longer_than_the_window_is_a_new_scan_and_codes_are_independent():
    debouncer = Debouncer(window=1.0)
    assert debouncer.seen(ALIPAY, now=0.0)
    assert debouncer.seen("134512345678901234", now=0.5)
    assert not debouncer.seen(ALIPAY, now=0.9)
    assert debouncer.seen(ALIPAY, now=2.0)


def test_table_is_bounded_and_holds_no_codes():
    debouncer = Debouncer(window=100.0, max_entries=10)
    for i in range(50):
        debouncer.seen(f"2845{i:014d}", now=float(i))
    assert len(debouncer) <= 10
    keys = list(debouncer._last)
    assert all(isinstance(k, bytes) and len(k) == 16 for k in keys)
    assert not any(b"2845" in k for k in keys) and debouncer.seen("284500000000000049", now=50.5) is False


def test_change_detector_ignores_noise_and_sees_a_phone():
    scene = background((1280, 720), 4)
    detector = ChangeDetector()
    first = degrade(scene, Look(noise=6, jpeg=60), 1)
    assert detector.changed(first)
    detector.mark(first)
    assert not any(detector.changed(degrade(scene, Look(noise=6, jpeg=60), i)) for i in range(2, 12))
    phone, _ = pay_frame(5, (1280, 720), look=Look(fill=0.3))
    assert detector.changed(phone)
    detector.reset()
    assert detector.changed(first)
