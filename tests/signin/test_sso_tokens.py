"""The ID token checks of single sign-on, one by one (the browser tests in
tests/browser/test_sso.py drive the whole flow against a real provider)."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from rounds.auth import sso
from rounds.settings import Settings

ISSUER = "https://login.fictional-general.example"


def _settings():
    return Settings(
        secret_key="k" * 40,
        oidc_issuer=ISSUER,
        oidc_client_id="rounds",
        oidc_client_secret="secret",
    )


def _token(key, **changes):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "abc",
        "aud": "rounds",
        "iat": now,
        "exp": now + 300,
        "nonce": "n1",
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


@pytest.fixture(scope="module")
def keys():
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    return key, KeySet([key])


def test_a_good_token_passes(keys):
    key, published = keys
    claims = sso._id_token_claims(_settings(), published, _token(key), "n1")
    assert claims["sub"] == "abc"


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://evil.example"},  # wrong issuer
        {"aud": "another-app"},  # issued to someone else
        {"nonce": "other"},  # replayed from another flow
        {"nonce": None},
        {"exp": int(time.time()) - 3600},  # expired
    ],
)
def test_bad_claims_are_refused(keys, changes):
    key, published = keys
    with pytest.raises(sso.SSOError):
        sso._id_token_claims(_settings(), published, _token(key, **changes), "n1")


def test_a_token_signed_by_another_key_is_refused(keys):
    _, published = keys
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(sso.SSOError):
        sso._id_token_claims(_settings(), published, _token(stranger), "n1")


def test_flow_cookie_is_signed_and_expires(monkeypatch):
    flow = sso.Flow(state="s", nonce="n", verifier="v", next="/issues")
    sealed = sso.seal(flow, "k" * 40)
    assert sso.unseal(sealed, "k" * 40) == flow
    assert sso.unseal(sealed, "another key" * 4) is None
    body, mac = sealed.rsplit(".", 1)
    assert sso.unseal(body + "x." + mac, "k" * 40) is None
    monkeypatch.setattr(sso.time, "time", lambda: 10**10)
    assert sso.unseal(sealed, "k" * 40) is None


def test_settings_need_all_three_and_https():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(secret_key="k" * 40, oidc_issuer=ISSUER)
    with pytest.raises(ValidationError):
        Settings(
            secret_key="k" * 40,
            oidc_issuer="http://idp.example",
            oidc_client_id="a",
            oidc_client_secret="b",
        )
    assert _settings().sso_enabled
