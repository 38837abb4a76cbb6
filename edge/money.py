"""Money in integer fen (1 yuan = 100 fen). No floats anywhere near a price."""

from __future__ import annotations

FEN_PER_YUAN = 100


def format_fen(fen: int, symbol: str = "¥") -> str:
    """Render an amount in fen for people: 1250 -> '¥12.50', -300 -> '-¥3.00'."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError(f"money must be integer fen, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{symbol}{yuan}.{rest:02d}"


def format_delta(fen: int) -> str:
    """Render a price delta for an option: '+¥3.00', '-¥2.00', '' for zero."""
    if fen == 0:
        return ""
    return ("+" if fen > 0 else "") + format_fen(fen)


def parse_yuan(text: str) -> int:
    """Parse '12.5', '12.50' or '12' yuan into fen exactly, without floats."""
    text = text.strip().lstrip("¥")
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
        raise ValueError(f"not an amount of money: {text!r}")
    fen = int(whole) * FEN_PER_YUAN + int(frac.ljust(2, "0") or 0)
    return -fen if negative else fen
