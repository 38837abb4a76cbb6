"""edge.codes, edge.tables and every edge.scanner module import without OpenCV, numpy, zbar or zxing."""

import subprocess
import sys

MODULES = ["edge.codes", "edge.tables", "edge.scanner", "edge.scanner.capture", "edge.scanner.cli",
           "edge.scanner.debounce", "edge.scanner.decode", "edge.scanner.frame_source", "edge.scanner.loop",
           "edge.scanner.motion",
           "edge.scanner.picamera", "edge.scanner.sources", "edge.scanner.stats", "edge.scanner.synth",
           "edge.scanner.tablecards", "edge.scanner.wedge"]
HEAVY = ["cv2", "numpy", "pyzbar", "zxingcpp", "picamera2", "PIL", "qrcode", "barcode"]


def test_scanner_modules_import_lazily():
    code = (f"import sys\nfor m in {MODULES!r}: __import__(m)\n"
            f"bad = [m for m in {HEAVY!r} if m in sys.modules]\nprint(','.join(bad))\nsys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"pulled in: {result.stdout.strip()} {result.stderr}"


def test_domain_modules_do_not_import_the_scanner():
    code = ("import sys, edge.codes, edge.tables\n"
            "bad = [m for m in sys.modules if m.startswith(('edge.scanner', 'edge.core', 'edge.ui'))]\n"
            "print(bad)\nsys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
