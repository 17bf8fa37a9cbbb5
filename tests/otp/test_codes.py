"""Codes: generated from an injected random source, normalised, hashed; TOTP."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from app.otp.codes import CodeGenerator, CodeHasher, _Mac, normalize_code
from app.otp.errors import OtpError
from app.otp.totp import TotpFactor
from tests.support.clock import FakeClock


def test_known_answers_from_a_seeded_source() -> None:
    codes = CodeGenerator(random.Random(20261125).randrange)
    assert [codes.generate(6) for _ in range(4)] == ["885617", "960767", "009972", "330356"]
    assert codes.generate(4) == "7416"
    assert codes.generate(10) == "2408440041"


def test_leading_zeros_are_kept_and_length_is_exact() -> None:
    assert CodeGenerator(lambda n: 7).generate(6) == "000007"
    assert CodeGenerator(lambda n: n - 1).generate(8) == "99999999"


@pytest.mark.parametrize("digits", [3, 11, 0])
def test_digit_counts_outside_4_to_10_are_refused(digits: int) -> None:
    with pytest.raises(ValueError):
        CodeGenerator().generate(digits)


def test_the_default_source_is_the_csprng_and_covers_every_digit() -> None:
    codes = [CodeGenerator().generate(6) for _ in range(2000)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    first_digits = Counter(c[0] for c in codes)
    assert set(first_digits) == set("0123456789")
    assert len(set(codes)) > 1900


def test_the_source_is_asked_for_exactly_10_to_the_digits() -> None:
    asked: list[int] = []
    CodeGenerator(lambda n: asked.append(n) or 0).generate(7)
    assert asked == [10**7]


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("123456", "123456"), ("123 456", "123456"), ("123-456", "123456"),
     (" 12 34 56 ", "123456"), ("123\u2013456", "123456"), ("1234", "1234")],
)  # fmt: skip
def test_codes_typed_with_spaces_or_dashes_are_accepted(typed: str, normal: str) -> None:
    assert normalize_code(typed) == normal


@pytest.mark.parametrize("typed", ["12a456", "", "   ", "123", "12345678901", "١٢٣٤٥٦", "12.3e4"])
def test_bad_codes_are_refused_without_echoing_them(typed: str) -> None:
    with pytest.raises(OtpError) as caught:
        normalize_code(typed)
    assert caught.value.field == "code"
    assert caught.value.code == "invalid_parameter"
    if typed.strip():
        assert typed.strip() not in str(caught.value)


def test_non_strings_are_refused() -> None:
    with pytest.raises(OtpError):
        normalize_code(123456)


def test_hash_is_keyed_bound_and_compared_in_constant_time() -> None:
    hasher = CodeHasher("secret-one")
    stored = hasher.code_hash("VE1", "123456")
    assert len(stored) == 64 and "123456" not in stored
    assert hasher.matches(stored, "VE1", "123456")
    assert not hasher.matches(stored, "VE1", "123457")
    assert not hasher.matches(stored, "VE2", "123456")  # bound to its verification
    assert CodeHasher("secret-two").code_hash("VE1", "123456") != stored  # keyed
    bound = hasher.code_hash("VE1", "123456", "Rp10.000", "Toko")
    assert hasher.matches(bound, "VE1", "123456", amount="Rp10.000", payee="Toko")
    assert not hasher.matches(bound, "VE1", "123456", amount="Rp10.001", payee="Toko")
    assert not hasher.matches(bound, "VE1", "123456")


def test_destination_digests_hide_the_number_and_differ_from_code_hashes() -> None:
    hasher = CodeHasher("k")
    digest = hasher.destination("+6281234567890")
    assert len(digest) == 32 and "81234567890" not in digest
    assert digest == hasher.destination("+6281234567890")
    assert digest != CodeHasher("other").destination("+6281234567890")


def test_totp_enrolment_gives_a_provisioning_uri_and_verifies_with_drift() -> None:
    clock = FakeClock()
    factor = TotpFactor(clock, issuer="Toko Budi")
    enrolment = factor.enrol("budi@example.co.id")
    uri = urlparse(enrolment.uri)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [enrolment.secret]
    assert parse_qs(uri.query)["issuer"] == ["Toko Budi"]
    assert enrolment.secret not in repr(enrolment)

    app_code = pyotp.TOTP(enrolment.secret).at(clock())
    step = factor.verify(enrolment.secret, app_code)
    assert step == int(clock().timestamp()) // 30
    assert factor.verify(enrolment.secret, app_code, last_step=step) is None  # no replay
    clock.advance(seconds=30)  # one step of drift is accepted
    assert factor.verify(enrolment.secret, app_code) == step
    clock.advance(seconds=60)
    assert factor.verify(enrolment.secret, app_code) is None
    assert factor.verify(enrolment.secret, "12345") is None  # wrong length


def test_totp_uses_the_injected_secret_source() -> None:
    factor = TotpFactor(FakeClock(), new_secret=lambda: "KTQCDFOIBWJD6WUPYT6Z2BGMEGYUZRKB")
    assert factor.enrol("x").secret == "KTQCDFOIBWJD6WUPYT6Z2BGMEGYUZRKB"


def test_the_pre_keyed_mac_is_hmac_sha256() -> None:
    rng = random.Random(2104)
    for length in range(0, 140, 3):
        key = rng.randbytes(length)
        message = rng.randbytes(rng.randrange(200))
        assert _Mac(key).hexdigest(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_the_hashes_are_hmac_sha256_of_the_subkeys() -> None:
    rng = random.Random(22)
    for secret in ["secret-one", "x" * 64, "y" * 65, "z" * 200, b"\x00\xff" * 40]:
        hasher = CodeHasher(secret)
        key = secret.encode() if isinstance(secret, str) else secret
        subkey = hmac.new(key, b"sandi/otp/destination/v1", hashlib.sha256).digest()
        for _ in range(50):
            address = "+62" + "".join(rng.choice("0123456789") for _ in range(rng.randrange(20)))
            mac = hmac.new(subkey, address.encode(), hashlib.sha256).hexdigest()
            assert hasher.destination(address) == mac[:32]
        code_key = hmac.new(key, b"sandi/otp/code/v1", hashlib.sha256).digest()
        message = "\x1f".join(("v1", "VE1", "123456", "Rp1", "Toko")).encode()
        mac = hmac.new(code_key, message, hashlib.sha256).hexdigest()
        assert hasher.code_hash("VE1", "123456", "Rp1", "Toko") == mac
        scope_key = hmac.new(key, b"sandi/otp/fraud-scope/v1", hashlib.sha256).digest()
        mac = hmac.new(scope_key, b"ip\x1f10.0.0.1", hashlib.sha256).hexdigest()
        assert hasher.scope("ip", "10.0.0.1") == mac[:24]


def test_the_last_destination_kept_is_the_digest_of_that_destination() -> None:
    """Repeats, alternations, the empty address and threads sharing one hasher:
    always HMAC-SHA256 of the address asked (the kept digest never answers another)."""
    import threading

    key = hmac.new(b"s", b"sandi/otp/destination/v1", hashlib.sha256).digest()

    def mac(address: str) -> str:
        return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]

    hasher = CodeHasher("s")
    for address in ["", "+62811", "+62811", "", "+62812", "+62811", "a@x.id", "a@x.id", ""]:
        assert hasher.destination(address) == mac(address), address
    wrong: list[str] = []

    def ask(numbers: list[str]) -> None:
        for number in numbers * 300:
            if hasher.destination(number) != mac(number):
                wrong.append(number)

    threads = [
        threading.Thread(target=ask, args=([f"+6281{t}", f"+6281{t}", "+1"],)) for t in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
