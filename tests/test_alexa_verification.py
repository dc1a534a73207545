"""/alexa accepts only requests signed by Alexa, recent, and for our skill.

A local certificate chain (root -> intermediate -> signing certificate for
echo-api.amazon.com) stands in for Amazon's. The verification code runs unchanged: only
the certificate download from https://s3.amazonaws.com/echo.api/... is redirected to a
loopback server, and the test root is the trust store (SSL_CERT_FILE, which oscrypto
reads). The engine here is a stand-in: these tests are about the HTTP envelope only.
"""

from __future__ import annotations

import base64
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask

from bot.config import Settings
from bot.engine.contract import Answer, Question
from bot.engine.houses import HouseDirectory
from fakes.line_harness import stand_in_knowledge
from fakes.virtual_alexa import (
    SKILL_ID,
    VirtualAlexa,
    encode,
    node_missing_reason,
    post,
    serve,
    speech_of,
)
from skills.alexa.adapter import init_app

pytestmark = pytest.mark.skipif(
    node_missing_reason() is not None, reason=node_missing_reason() or ""
)

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
UNTRUSTED_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-untrusted.pem"
WRONG_NAME_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-wrong-name.pem"


class StandInEngine:
    """Answers every question by repeating it; enough to see a request got through."""

    houses = HouseDirectory(stand_in_knowledge("test-house"))

    def answer(self, question: Question) -> Answer:
        return Answer(
            text=f"聞かれたこと：{question.text}",
            lang=question.lang or "ja",
            intent="echo",
            confidence=1.0,
        )

    def briefing(self, house_id: str | None, now: datetime, lang: str) -> Answer:
        return Answer(text="おはようございます。", lang=lang, intent="briefing", confidence=1.0)


# ------------------------------------------------------------------ certificates ----


@dataclass
class Chain:
    pem: bytes  # signing certificate first, then the intermediate (as Amazon serves it)
    key: rsa.RSAPrivateKey
    root_pem: bytes


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: str,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    dns: str | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=not ca,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_chain(name: str, dns: str = "echo-api.amazon.com") -> Chain:
    root_key, mid_key, leaf_key = _key(), _key(), _key()
    root = _cert(f"{name} Root CA", root_key, f"{name} Root CA", root_key, ca=True)
    mid = _cert(f"{name} Intermediate CA", mid_key, f"{name} Root CA", root_key, ca=True)
    leaf = _cert(dns, leaf_key, f"{name} Intermediate CA", mid_key, ca=False, dns=dns)
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, mid))
    return Chain(pem=pem, key=leaf_key, root_pem=root.public_bytes(serialization.Encoding.PEM))


@dataclass
class Pki:
    trusted: Chain
    untrusted: Chain
    wrong_name: Chain


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki(
        trusted=make_chain("Test Alexa"),
        untrusted=make_chain("Stranger"),
        wrong_name=make_chain("Test Other", dns="example.com"),
    )


@pytest.fixture(scope="module")
def cert_host(pki: Pki) -> Iterator[str]:
    """A loopback server playing s3.amazonaws.com/echo.api for our chains."""
    files = {
        "/echo.api/echo-api-cert-test.pem": pki.trusted.pem,
        "/echo.api/echo-api-cert-untrusted.pem": pki.untrusted.pem,
        "/echo.api/echo-api-cert-wrong-name.pem": pki.wrong_name.pem,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            body = files.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def trust_store(
    pki: Pki, cert_host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Trust the test roots; send the certificate download to the loopback host."""
    from ask_sdk_webservice_support import verifier
    from oscrypto import trust_list

    bundle = tmp_path / "roots.pem"
    # The wrong-name chain's root is trusted too, so only its name check can fail.
    bundle.write_bytes(pki.trusted.root_pem + pki.wrong_name.root_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    real_urlopen = urllib.request.urlopen

    def redirected(url: str, *args: Any, **kwargs: Any) -> Any:
        assert url.startswith("https://s3.amazonaws.com/echo.api/"), url
        return real_urlopen(cert_host + url[len("https://s3.amazonaws.com") :], *args, **kwargs)

    monkeypatch.setattr(verifier, "urlopen", redirected)
    trust_list.clear_cache()
    yield
    trust_list.clear_cache()


# ------------------------------------------------------------------------ app ----


@pytest.fixture(scope="module")
def alexa() -> Iterator[VirtualAlexa]:
    va = VirtualAlexa()
    yield va
    va.close()


def app_url(verify: bool, skill_id: str = SKILL_ID) -> Any:
    settings = Settings(
        alexa_skill_id=skill_id, alexa_verify_requests=verify, default_house="test-house"
    )
    app = Flask("alexa-verification")
    init_app(app, StandInEngine(), settings)
    return serve(app)


@pytest.fixture(scope="module")
def verified_url() -> Iterator[str]:
    with app_url(verify=True) as base:
        yield base + "/alexa"


def signed(body: bytes, chain: Chain, url: str = CERT_URL) -> dict[str, str]:
    signature = chain.key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return {"SignatureCertChainUrl": url, "Signature-256": base64.b64encode(signature).decode()}


def rejected(
    url: str, body: bytes, headers: dict[str, str] | None, caplog: pytest.LogCaptureFixture
) -> str:
    """POST and expect 400; returns the verifier's reason (from the adapter's log line)."""
    caplog.clear()
    status, _ = post(url, body, headers)
    assert status == 400
    reasons = [r.getMessage() for r in caplog.records if "verification failed" in r.getMessage()]
    assert reasons, "no verification failure was logged"
    assert not any(r.exc_info for r in caplog.records), "a refused request is one log line, not a traceback"
    return reasons[-1]


def question(alexa: VirtualAlexa, **kw: Any) -> bytes:
    return encode(alexa.generate("ja-JP", "ペットボトルは何ごみ", **kw))


def test_a_correctly_signed_request_is_accepted(
    alexa: VirtualAlexa, verified_url: str, pki: Pki, trust_store: None
) -> None:
    body = question(alexa)
    status, response = post(verified_url, body, signed(body, pki.trusted))
    assert status == 200
    assert speech_of(response) == "聞かれたこと：ペットボトルは何ごみ？"


def test_a_body_changed_after_signing_is_rejected(
    alexa: VirtualAlexa,
    verified_url: str,
    pki: Pki,
    trust_store: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = question(alexa)
    headers = signed(body, pki.trusted)
    tampered = body.replace("ペットボトル".encode(), "スプレー缶".encode())
    assert "Request body is not valid" in rejected(verified_url, tampered, headers, caplog)


def test_a_signature_by_another_key_is_rejected(
    alexa: VirtualAlexa,
    verified_url: str,
    pki: Pki,
    trust_store: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = question(alexa)
    headers = signed(body, pki.untrusted, url=CERT_URL)  # right certificate, wrong key
    assert "Request body is not valid" in rejected(verified_url, body, headers, caplog)


def test_an_unsigned_request_is_rejected(
    alexa: VirtualAlexa, verified_url: str, trust_store: None, caplog: pytest.LogCaptureFixture
) -> None:
    assert "Missing Signature" in rejected(verified_url, question(alexa), None, caplog)


def test_an_old_timestamp_is_rejected_even_when_signed(
    alexa: VirtualAlexa,
    verified_url: str,
    pki: Pki,
    trust_store: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = question(alexa, at=datetime.now(UTC) - timedelta(minutes=10))
    assert "Timestamp" in rejected(verified_url, body, signed(body, pki.trusted), caplog)


def test_a_request_for_another_skill_is_rejected_even_when_signed(
    alexa: VirtualAlexa,
    verified_url: str,
    pki: Pki,
    trust_store: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = question(alexa, application_id="amzn1.ask.skill.someone-else")
    assert "another skill" in rejected(verified_url, body, signed(body, pki.trusted), caplog)


def test_a_certificate_outside_amazons_echo_api_url_is_rejected(
    alexa: VirtualAlexa,
    verified_url: str,
    pki: Pki,
    trust_store: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = question(alexa)
    for bad in (
        "http://s3.amazonaws.com/echo.api/c.pem",
        "https://evil.example/echo.api/c.pem",
        "https://s3.amazonaws.com/other/c.pem",
    ):
        assert "Signature Certificate URL" in rejected(
            verified_url, body, signed(body, pki.trusted, url=bad), caplog
        )


def test_a_chain_from_an_untrusted_root_is_rejected(
    alexa: VirtualAlexa,
    verified_url: str,
    pki: Pki,
    trust_store: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = question(alexa)
    reason = rejected(verified_url, body, signed(body, pki.untrusted, url=UNTRUSTED_URL), caplog)
    assert "Certificate chain is not valid" in reason


def test_a_certificate_not_issued_for_echo_api_is_rejected(
    alexa: VirtualAlexa,
    verified_url: str,
    pki: Pki,
    trust_store: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = question(alexa)
    reason = rejected(verified_url, body, signed(body, pki.wrong_name, url=WRONG_NAME_URL), caplog)
    assert "echo-api.amazon.com domain missing" in reason


def test_verification_can_be_switched_off_for_local_trials(alexa: VirtualAlexa) -> None:
    with app_url(verify=False) as base:
        status, response = post(
            base + "/alexa", question(alexa, at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    assert status == 200 and speech_of(response).startswith("聞かれたこと")


def test_the_skill_id_is_still_checked_when_verification_is_off(
    alexa: VirtualAlexa, caplog: pytest.LogCaptureFixture
) -> None:
    with app_url(verify=False) as base:
        body = question(alexa, application_id="amzn1.ask.skill.other")
        assert "another skill" in rejected(base + "/alexa", body, None, caplog)


def test_only_post_is_served(verified_url: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(verified_url, timeout=5)
    assert err.value.code == 405
