"""The redactor every byte of a support bundle goes through (`edge logs export`).

What it removes, whatever the text is (config, logs, JSON, journal):
- payment codes: every run of 16 or more digits, also written in groups ("2845 6789 0123 4567"),
  is masked. Alipay codes are 16-24 digits, WeChat 18, UnionPay 19; longer runs are masked too,
  so a code glued to other digits does not slip through. (Shorter numbers — counts, ports,
  millisecond times — stay readable.)
- secrets by name: the value of any key / field whose name says secret, token, password, key,
  PIN, hash, signature, cookie or authorization (`key = "…"`, `"key": "…"`, `key: …`, `key=…`);
- staff and technician sessions: the value of `X-Staff-Session` / `X-Technician-Session` (as a
  header line or a field) and of a `session` field, and any bare session token: the core makes
  them with `secrets.token_urlsafe(32)`, 43 characters of base64url, so any such word holding
  both upper- and lower-case letters is masked (a public key or digest of that shape too);
- PEM blocks (`-----BEGIN … PRIVATE KEY-----`), credentials in URLs (`https://user:pass@host`),
  and the signed MT1 codes (enrollment tokens, vouchers) after their kind letter.

The bundle code never reads the key directory either; this is the second line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MASK = "[redacted]"
# 16+ digits, possibly in groups separated by one space or dash ("6222 0200 1234 5678 901")
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){15,}(?![0-9])")
_SECRET_NAME = (r"[A-Za-z0-9_.-]*(?:secret|token|passw(?:or)?d|passwd|private|(?<![a-z])keys?(?![a-z])"
                r"|(?<![a-z])pins?(?![a-z])|hash|signature|(?<![a-z])sig(?![a-z])|cookie|authorization"
                r"|credential)[A-Za-z0-9_.-]*"
                # "session", "X-Staff-Session", "session_id" — not "session_minutes"
                r"|[A-Za-z0-9_.-]*session(?:[_-]?(?:ids?|tokens?))?")
# "name": "value"  /  'name': 'value'  (JSON, Python reprs)
_QUOTED_FIELD = re.compile(r"""(?P<head>(?P<q>["'])(?P<name>""" + _SECRET_NAME + r""")(?P=q)\s*:\s*)"""
                           r"""(?!"\[redacted)(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^,}\]\s]+)""",
                           re.IGNORECASE)
# name = value  /  name: value  /  name=value (TOML, env files, log lines, headers)
_BARE_FIELD = re.compile(r"(?P<head>(?<![A-Za-z0-9_.\"'-])(?P<name>" + _SECRET_NAME + r")\s*[:=]\s*)"
                         r"""(?!\[redacted)(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s,;&"'}\]]+)""", re.IGNORECASE)
# a header whose whole value is the secret ("Authorization: Bearer x", "X-Matou-Signature: …")
_HEADER = re.compile(r"(?P<head>\b(?:authorization|proxy-authorization|cookie|set-cookie"
                     r"|x-[a-z-]*(?:signature|session))\s*:\s*)[^\n]+", re.IGNORECASE)
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", re.DOTALL)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_SIGNED_CODE = re.compile(r"\bMT[0-9][A-Z]\.[A-Za-z0-9_.-]+")
# a bare secrets.token_urlsafe(32): 43 base64url characters, upper and lower case in it
_SESSION_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]{0,42}[A-Z])(?=[A-Za-z0-9_-]{0,42}[a-z])"
                            r"[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


@dataclass
class Redactor:
    """Counts what it removed, for the bundle's manifest."""

    counts: dict[str, int] = field(default_factory=lambda: {"digit runs": 0, "secret fields": 0, "pem blocks": 0,
                                                            "url credentials": 0, "signed codes": 0,
                                                            "session tokens": 0})

    def _sub(self, pattern: re.Pattern, what: str, text: str, replace) -> str:
        result, n = pattern.subn(replace, text)
        self.counts[what] += n
        return result

    def text(self, text: str) -> str:
        text = self._sub(_PEM, "pem blocks", text, "[redacted PEM block]")
        text = self._sub(_URL_CREDENTIALS, "url credentials", text, lambda m: m["scheme"] + MASK + "@")
        text = self._sub(_SIGNED_CODE, "signed codes", text, lambda m: m.group()[:4] + "." + MASK)
        text = self._sub(_HEADER, "secret fields", text, lambda m: m["head"] + MASK)
        text = self._sub(_QUOTED_FIELD, "secret fields", text, lambda m: m["head"] + f'"{MASK}"')
        text = self._sub(_BARE_FIELD, "secret fields", text, lambda m: m["head"] + MASK)
        text = self._sub(_SESSION_TOKEN, "session tokens", text, MASK)
        return self._sub(_DIGIT_RUN, "digit runs", text, "[digits redacted]")

    def bytes(self, data: bytes) -> bytes:
        """Text in, text out: undecodable bytes become U+FFFD before redaction (never passed raw)."""
        return self.text(data.decode("utf-8", errors="replace")).encode("utf-8")


def redact(text: str) -> str:
    return Redactor().text(text)
