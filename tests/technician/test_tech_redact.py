"""The redactor under the support bundle: payment codes, secrets and keys never pass."""

from __future__ import annotations

import pytest

from edge.technician.redact import Redactor, redact

CODES = ["2845678901234567", "134567890123456789", "6212345678901234567", "281234567890123456789012"]


@pytest.mark.parametrize("code", CODES)
def test_payment_codes_of_every_length_are_masked_anywhere(code):
    for text in (code, f"pay code={code}.", f'{{"code": "{code}"}}', f"x{code}y", f"{code}999"):
        assert code not in redact(text)


def test_grouped_digits_are_masked_but_short_numbers_stay():
    text = "card 6222 0200 1234 5678 901 / 2845-6789-0123-4567 at 1700000000000 ms, order 42, port 9100"
    out = redact(text)
    assert "6222 0200 1234 5678 901" not in out and "2845-6789-0123-4567" not in out
    assert "1700000000000" in out and "order 42" in out and "9100" in out


def test_secret_fields_pem_url_credentials_and_signed_codes():
    text = ('token = "tok-SECRET1"\n"pin_hash": "scrypt$16384$8$1$AAA$BBB", key_file=/var/lib/matou/keys/a.key\n'
            "Authorization: Bearer SECRET2 more\nX-Matou-Signature: SECRET3\nX-Technician-Session: SECRET4\n"
            "upstream https://user:SECRET5@up.example.com/v1\nscanned MT1E.0.eyJTECRET6.abcdefghijklmnopqrstuv\n"
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEISECRET7\n-----END PRIVATE KEY-----\n"
            "mapping = kept, signal: 15, name = counter-1")
    redactor = Redactor()
    out = redactor.text(text)
    for secret in ("tok-SECRET1", "scrypt$", "keys/a.key", "SECRET2", "SECRET3", "SECRET4", "SECRET5", "SECRET6",
                   "SECRET7"):
        assert secret not in out, secret
    assert "mapping = kept" in out and "signal: 15" in out and "name = counter-1" in out
    assert redactor.counts["pem blocks"] == 1 and redactor.counts["secret fields"] >= 5


def test_bytes_that_are_not_utf8_are_still_redacted():
    data = b"\xff\xfe 28456789012345678912 \x80"
    assert b"28456789012345678912" not in Redactor().bytes(data)
