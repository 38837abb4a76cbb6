"""`edge scan` and `edge tables make-codes` through click's CliRunner."""

import json

import cv2
from click.testing import CliRunner

from edge.scanner.cli import scan, tables
from edge.scanner.synth import Look, background, pay_frame

from .helpers import write_video

KEY_HEX = bytes(range(100, 132)).hex()


def pay_images(tmp_path, n=3):
    paths, codes = [], []
    for seed in range(n):
        frame, code = pay_frame(seed, (1280, 720), look=Look(tilt=10 * seed, noise=3, jpeg=85, fill=0.8))
        path = tmp_path / f"pay{seed}.png"
        cv2.imwrite(str(path), frame)
        paths.append(str(path))
        codes.append(code)
    return paths, codes


def make_cards(tmp_path, tables_spec="1-3,A1"):
    key_file = tmp_path / "table.key"
    key_file.write_text(KEY_HEX + "\n")
    out = tmp_path / "cards"
    result = CliRunner().invoke(tables, ["make-codes", "--store", "s1", "--host", "order.example.com", "--kid", "k1",
                                         "--key-file", str(key_file), "--tables", tables_spec, "--out", str(out)])
    return result, out, key_file


def test_scan_images_json_is_one_object_per_image_and_masked(tmp_path):
    paths, codes = pay_images(tmp_path)
    empty = tmp_path / "empty.png"
    cv2.imwrite(str(empty), background((640, 480), 1))
    result = CliRunner().invoke(scan, ["--image", paths[0], "--image", paths[1], paths[2], str(empty), "--json"])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.output.splitlines()]
    assert [d["path"] for d in docs] == paths + [str(empty)]
    assert docs[-1] == {"path": str(empty), "codes": []}
    kinds = {"alipay", "wechat", "unionpay"}
    for doc, code in zip(docs, codes, strict=False):  # the last doc, the empty image, has no code
        assert [set(c) for c in doc["codes"]] == [{"kind", "text_masked", "symbology"}]
        entry = doc["codes"][0]
        assert entry["kind"] in kinds and entry["symbology"] == "qr"
        assert entry["text_masked"] == code[:4] + "*" * (len(code) - 6) + code[-2:]
    for code in codes:
        assert code not in result.output and code not in (result.stderr or "")


def test_show_payment_codes_adds_the_clear_text(tmp_path):
    paths, codes = pay_images(tmp_path, 2)
    result = CliRunner().invoke(scan, ["--image", *paths, "--json", "--show-payment-codes"])
    docs = [json.loads(line) for line in result.output.splitlines()]
    assert [d["codes"][0]["text"] for d in docs] == codes
    plain = CliRunner().invoke(scan, ["--image", *paths])
    assert plain.exit_code == 0 and "alipay " in plain.output and "wechat " in plain.output  # seeds 0 and 1
    assert not any(code in plain.output for code in codes)


def test_unreadable_image_is_reported_in_its_object(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    result = CliRunner().invoke(scan, ["--image", str(bad), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output) == {"path": str(bad), "codes": [], "error": "cannot read image"}


def test_make_codes_writes_cards_a_sheet_and_they_scan_as_tables(tmp_path):
    result, out, key_file = make_cards(tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["sheet.html", "table-1.png", "table-2.png", "table-3.png",
                                                      "table-A1.png"]
    sheet = (out / "sheet.html").read_text(encoding="utf-8")
    assert sheet.count('class="card"') == 4 and "桌号 A1" in sheet and 'src="table-A1.png"' in sheet
    assert KEY_HEX not in result.output and KEY_HEX not in sheet
    scanned = CliRunner().invoke(scan, ["--json", "--store", "s1", "--key", f"k1={key_file}",
                                        *[str(out / f"table-{t}.png") for t in ("1", "A1")]])
    docs = [json.loads(line) for line in scanned.output.splitlines()]
    assert [d["codes"][0]["kind"] for d in docs] == ["table", "table"]
    assert "/t/s1/A1?k=k1&s=" in docs[1]["codes"][0]["text_masked"]
    unverified = CliRunner().invoke(scan, [str(out / "table-1.png")])  # no keys: refused, and says why
    assert "unknown" in unverified.output and "table keys not loaded" in unverified.output


def test_make_codes_refuses_bad_input(tmp_path):
    result, _, _ = make_cards(tmp_path, tables_spec="5-1")
    assert result.exit_code != 0 and "bad table range" in result.output
    short = tmp_path / "short.key"
    short.write_text("abcd")
    result = CliRunner().invoke(tables, ["make-codes", "--store", "s1", "--host", "h.example", "--kid", "k1",
                                         "--key-file", str(short), "--tables", "1", "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "key" in result.output


def test_scan_video_prints_each_code_once_masked(tmp_path):
    frame, code = pay_frame(8, (640, 480), look=Look(tilt=-12, noise=3, jpeg=80))
    video = write_video(tmp_path / "pay.avi", [background((640, 480), 2)] * 5 + [frame] * 20, fps=30)
    result = CliRunner().invoke(scan, ["--video", str(video), "--json", "--fps", "30", "--stats"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == 1 and events[0]["kind"] in ("alipay", "wechat", "unionpay")
    assert code not in result.output
    assert "[camera online]" in result.stderr and '"scans": 1' in result.stderr


def test_scan_needs_exactly_one_input(tmp_path):
    assert CliRunner().invoke(scan, []).exit_code == 2
    paths, _ = pay_images(tmp_path, 1)
    assert CliRunner().invoke(scan, ["--image", paths[0], "--camera", "0"]).exit_code == 2


def test_scan_of_a_source_that_gives_no_frame_exits_non_zero(tmp_path):
    broken = tmp_path / "broken.avi"
    broken.write_bytes(b"not a video at all")
    result = CliRunner().invoke(scan, ["--video", str(broken), "--duration", "3"])
    assert result.exit_code == 1 and "no frame could be read" in result.output, result.output
