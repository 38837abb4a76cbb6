"""Synthetic camera frames: a phone showing a payment code, a table card on paper, empty scenes.

For tests, benchmarks and demos without a camera. Deterministic: the same seed gives the same
frame. Symbols come from encoders independent of the decoders under test (`qrcode`,
`python-barcode`); the scene is then tilted in perspective, blurred, given glare and sensor
noise and JPEG-compressed, as a kiosk camera would see a phone held up to it.

numpy, OpenCV and the encoders are imported inside the functions: importing edge.scanner never
loads them.
"""

from __future__ import annotations

from dataclasses import dataclass

BRANDS = {"alipay": (255, 119, 22), "wechat": (96, 193, 7), "unionpay": (50, 50, 200)}  # header colour, BGR
PREFIXES = {"alipay": ("25", "26", "27", "28", "29", "30"), "wechat": ("10", "11", "12", "13", "14", "15"),
            "unionpay": ("62",)}
LENGTHS = {"alipay": (18, 18, 16, 20, 24), "wechat": (18,), "unionpay": (19,)}


@dataclass(frozen=True)
class Look:
    """How hard the frame is: tilt in degrees, blur sigma, glare strength 0..1, noise sigma, JPEG quality."""

    tilt: float = 0.0
    yaw: float = 0.0
    blur: float = 0.0
    glare: float = 0.0
    noise: float = 0.0
    jpeg: int = 0
    fill: float = 0.75  # share of the frame height the code block takes


def payment_code(seed: int, kind: str | None = None) -> str:
    """A made-up code of the right shape for `kind` (alipay / wechat / unionpay; by seed if None)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    kind = kind or ("alipay", "wechat", "unionpay")[seed % 3]
    prefix = PREFIXES[kind][int(rng.integers(len(PREFIXES[kind])))]
    length = LENGTHS[kind][int(rng.integers(len(LENGTHS[kind])))]
    return prefix + "".join(str(d) for d in rng.integers(0, 10, length - 2))


def qr_image(text: str, module: int, border: int = 4):
    import numpy as np
    import qrcode

    qr = qrcode.QRCode(border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    dark = np.array(qr.get_matrix(), dtype=bool)
    return np.kron(np.where(dark, 0, 255).astype(np.uint8), np.ones((module, module), np.uint8))


def code128_image(text: str, module: int, height: int, quiet: int = 10):
    import barcode
    import numpy as np

    bits = np.array([c == "1" for c in barcode.get("code128", text).build()[0]])
    bits = np.concatenate([np.zeros(quiet, bool), bits, np.zeros(quiet, bool)])
    row = np.repeat(np.where(bits, 0, 255).astype(np.uint8), module)
    return np.tile(row, (height, 1))


def _paste(canvas, image, top: int) -> None:
    left = (canvas.shape[1] - image.shape[1]) // 2
    canvas[top:top + image.shape[0], left:left + image.shape[1]] = image[..., None]


def pay_screen(code: str, kind: str, module: int = 3):
    """The phone's screen (BGR): brand header, Code128, masked digits, QR; codes scale with `module`."""
    import cv2
    import numpy as np

    bar = code128_image(code, module, 32 * module)
    qr = qr_image(code, 2 * module + 2)
    width = bar.shape[1] + 8 * module
    height = 40 * module + bar.shape[0] + qr.shape[0] + 24 * module
    screen = np.full((height, width, 3), 255, np.uint8)
    screen[: 22 * module] = BRANDS[kind]
    cv2.putText(screen, "Pay", (6 * module, 15 * module), cv2.FONT_HERSHEY_SIMPLEX, module / 2, (255, 255, 255),
                max(1, module // 2), cv2.LINE_AA)
    _paste(screen, bar, 26 * module)
    digits = f"{code[:4]} **** **** {code[-4:]}"
    cv2.putText(screen, digits, (6 * module, 26 * module + bar.shape[0] + 9 * module), cv2.FONT_HERSHEY_SIMPLEX,
                module / 3.5, (60, 60, 60), 1, cv2.LINE_AA)
    _paste(screen, qr, 38 * module + bar.shape[0])
    return screen


def table_card(url: str, label: str, module: int = 6):
    """A printed table card (BGR): white paper, the QR, 'Table <label>' under it."""
    import cv2
    import numpy as np

    qr = qr_image(url, module)
    card = np.full((qr.shape[0] + 30 * module, qr.shape[1] + 8 * module, 3), (235, 240, 242), np.uint8)
    _paste(card, qr, 6 * module)
    cv2.putText(card, f"Table {label}", (5 * module, qr.shape[0] + 20 * module), cv2.FONT_HERSHEY_SIMPLEX,
                module / 4, (30, 30, 30), max(1, module // 3), cv2.LINE_AA)
    return card


def background(size: tuple[int, int], seed: int):
    """A counter-top-ish textured background (BGR) of `size` = (width, height)."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    w, h = size
    small = rng.integers(70, 130, (h // 24 + 1, w // 24 + 1, 1)) + rng.integers(-12, 12, (1, 1, 3))
    small = np.clip(small, 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), (0, 0), 4)


def place(item, size: tuple[int, int], look: Look, seed: int, bezel: bool = True):
    """`item` scaled so it fills `look.fill` of the frame height, tilted, on a background."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    frame = background(size, seed)
    if bezel:  # a dark phone body around the screen
        pad = max(4, item.shape[1] // 14)
        item = cv2.copyMakeBorder(item, pad * 2, pad * 2, pad, pad, cv2.BORDER_CONSTANT, value=(20, 20, 24))
    w, h = size
    scale = look.fill * h / item.shape[0]
    ih, iw = item.shape[0] * scale, item.shape[1] * scale
    corners = np.float32([[-iw / 2, -ih / 2], [iw / 2, -ih / 2], [iw / 2, ih / 2], [-iw / 2, ih / 2]])
    yaw = np.radians(look.yaw)  # out-of-plane turn: one side nearer the camera
    corners[:, 1] *= 1 + np.sign(corners[:, 0]) * np.sin(yaw) * 0.25
    corners[:, 0] *= np.cos(yaw)
    angle = np.radians(look.tilt)
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    center = np.float32([w / 2 + rng.uniform(-0.08, 0.08) * w, h / 2 + rng.uniform(-0.05, 0.05) * h])
    target = corners @ rot.T + center
    source = np.float32([[0, 0], [item.shape[1], 0], [item.shape[1], item.shape[0]], [0, item.shape[0]]])
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(item, matrix, (w, h), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full(item.shape[:2], 255, np.uint8), matrix, (w, h))
    frame[mask > 127] = warped[mask > 127]
    return degrade(frame, look, seed)


def degrade(frame, look: Look, seed: int):
    """Blur, glare, sensor noise and JPEG, in the order a camera adds them."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    h, w = frame.shape[:2]
    out = frame.astype(np.float32)
    if look.blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), look.blur)
    if look.glare > 0:  # a soft bright spot, as a ceiling light reflected in the glass
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        radius = rng.uniform(0.08, 0.18) * w
        spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius ** 2))
        out += (look.glare * 255 * spot)[..., None]
    if look.noise > 0:
        out += rng.normal(0, look.noise, out.shape).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if look.jpeg:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(look.jpeg)])
        out = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return out


def random_look(seed: int) -> Look:
    """A hand-held look: tilt up to ±35°, turn, blur, glare on two in five, noise, JPEG 25-90."""
    import numpy as np

    rng = np.random.default_rng(seed + 7)
    return Look(tilt=float(rng.uniform(-35, 35)), yaw=float(rng.uniform(-30, 30)), blur=float(rng.uniform(0, 2.4)),
                glare=float(rng.uniform(0.5, 1.0)) if rng.random() < 0.4 else 0.0,
                noise=float(rng.uniform(2, 12)), jpeg=int(rng.integers(25, 91)), fill=float(rng.uniform(0.45, 0.95)))


def pay_frame(seed: int, size: tuple[int, int], kind: str | None = None, look: Look | None = None):
    """(frame, code): a phone showing a payment code, seen by a camera of `size` = (width, height)."""
    kind = kind or ("alipay", "wechat", "unionpay")[seed % 3]
    code = payment_code(seed, kind)
    return place(pay_screen(code, kind), size, look or random_look(seed), seed), code


def table_frame(url: str, label: str, size: tuple[int, int], seed: int, look: Look | None = None):
    """A table card lying on the counter, seen by the camera."""
    return place(table_card(url, label), size, look or random_look(seed), seed, bezel=False)
