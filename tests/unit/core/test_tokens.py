"""Access-token verification and the JWKS cache (chalicelib/core/tokens.py): made-up key ids cannot make
every request download the key set, and a download never holds a request for long."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.core.tokens import (
    JWKS_TIMEOUT_S,
    InvalidToken,
    KeySet,
    fetch_jwks,
    verify_access_token,
)
from signing_keys import CLIENT_ID, ISSUER, SigningKey


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingFetch:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str, timeout_s: float) -> dict[str, Any]:
        self.calls.append((url, timeout_s))
        return self.document


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey()


def _verify(token: str, keys: KeySet) -> Any:
    return verify_access_token(token, jwks_url=keys.url, issuer=ISSUER, client_id=CLIENT_ID, keys=keys)


def test_a_token_signed_with_a_known_key_verifies_and_the_key_set_is_fetched_once(key: SigningKey) -> None:
    """GIVEN a key set WHEN three tokens signed with its key are verified THEN one download, three answers."""
    fetch = CountingFetch(key.jwks())
    keys = KeySet("https://issuer/jwks.json", fetch=fetch, clock=Clock())
    for sub in ("a", "b", "c"):
        assert _verify(key.access_token(sub, ["staff"]), keys).sub == sub
    assert fetch.calls == [("https://issuer/jwks.json", JWKS_TIMEOUT_S)]
    assert JWKS_TIMEOUT_S <= 3


def test_unknown_key_ids_trigger_at_most_one_download_per_minute(key: SigningKey) -> None:
    """GIVEN a warm key set WHEN a flood of tokens names key ids nobody published THEN they are refused, and
    the key set is downloaded again at most once a minute (not once per request)."""
    fetch, clock = CountingFetch(key.jwks()), Clock()
    keys = KeySet("https://issuer/jwks.json", fetch=fetch, clock=clock)
    _verify(key.access_token("warm", ["staff"]), keys)  # first download
    for i in range(50):
        with pytest.raises(InvalidToken):
            _verify(key.access_token("x", ["admin"], kid=f"forged-{i}"), keys)
    assert len(fetch.calls) == 2  # the warm-up and one re-fetch for the first unknown kid
    clock.now += 59
    with pytest.raises(InvalidToken):
        _verify(key.access_token("x", ["admin"], kid="forged-late"), keys)
    assert len(fetch.calls) == 2
    clock.now += 2
    with pytest.raises(InvalidToken):
        _verify(key.access_token("x", ["admin"], kid="forged-after-a-minute"), keys)
    assert len(fetch.calls) == 3
    # The known key keeps working throughout, without downloads.
    assert _verify(key.access_token("still", ["staff"]), keys).sub == "still"
    assert len(fetch.calls) == 3


def test_a_rotated_key_is_found_by_the_next_allowed_download(key: SigningKey) -> None:
    """GIVEN the issuer publishes a new key WHEN a token signed with it arrives THEN one download finds it."""
    new_key = SigningKey("rotated")
    fetch = CountingFetch(key.jwks())
    keys = KeySet("https://issuer/jwks.json", fetch=fetch, clock=Clock())
    _verify(key.access_token("old", ["staff"]), keys)
    fetch.document = {"keys": [key.jwk(), new_key.jwk()]}
    assert _verify(new_key.access_token("new", ["staff"]), keys).sub == "new"
    assert len(fetch.calls) == 2


def test_a_token_without_a_key_id_is_refused_without_a_download(key: SigningKey) -> None:
    import jwt

    fetch = CountingFetch(key.jwks())
    keys = KeySet("https://issuer/jwks.json", fetch=fetch, clock=Clock())
    token = jwt.encode({"sub": "x"}, key.private, algorithm="RS256")
    with pytest.raises(InvalidToken):
        _verify(token, keys)
    assert fetch.calls == []


class _SlowJwks(BaseHTTPRequestHandler):
    delay_s = 10.0

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        time.sleep(self.delay_s)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"keys": []}')

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def slow_jwks_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowJwks)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


def test_a_hanging_jwks_endpoint_holds_a_request_for_at_most_the_short_timeout(
        key: SigningKey, slow_jwks_url: str) -> None:
    """GIVEN a JWKS endpoint that answers after 10 s WHEN a token is verified THEN it is refused after about
    the 3 s timeout (it used to wait 30 s), and the next request within the minute does not wait at all."""
    keys = KeySet(slow_jwks_url, fetch=fetch_jwks)
    started = time.monotonic()
    with pytest.raises(InvalidToken):
        _verify(key.access_token("a", ["staff"]), keys)
    assert time.monotonic() - started < JWKS_TIMEOUT_S + 1.5
    started = time.monotonic()
    with pytest.raises(InvalidToken):
        _verify(key.access_token("b", ["staff"]), keys)
    assert time.monotonic() - started < 0.5


def test_the_jwks_url_must_be_https_http_or_inline() -> None:
    with pytest.raises(InvalidToken):
        fetch_jwks("file:///etc/passwd", 1)


def test_an_inline_key_set_verifies(key: SigningKey) -> None:
    keys = KeySet(key.data_url())
    assert _verify(key.access_token("inline", ["member"]), keys).groups == ("member",)
