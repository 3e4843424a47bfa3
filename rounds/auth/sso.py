"""OpenID Connect single sign-on (authorization code flow with PKCE) against the hospital's
identity provider (Microsoft Entra ID, Okta, ADFS ...), configured by ROUNDS_OIDC_*.

Discovery (`/.well-known/openid-configuration`, whose `issuer` must be the configured one), the
ID token's signature (the provider's published keys), issuer, audience, expiry and nonce are
checked with joserfc (the Authlib project's JOSE library); PKCE with Authlib. The state, nonce
and PKCE verifier live in a short-lived signed cookie that the callback uses once.

Nobody is created by single sign-on: the provider's *verified* e-mail must belong to an active
Rounds account (service.sso_sign_in).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from rounds.settings import Settings

FLOW_SECONDS = 600  # time allowed at the provider's sign-in page
DISCOVERY_TTL = 3600
CALLBACK = "/login/sso/callback"
SCOPES = "openid email profile"


class SSOError(Exception):
    """Single sign-on did not succeed; the message is for the person (and the log)."""


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    verifier: str
    next: str


_discovered: dict[str, tuple[float, dict, KeySet]] = {}


async def _get_json(client: httpx.AsyncClient, url: str) -> dict:
    try:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SSOError(
            f"The identity provider could not be reached ({type(exc).__name__})."
        ) from exc


def _client(settings: Settings) -> tuple[str, str, str]:
    """(issuer, client id, client secret); only called when single sign-on is enabled."""
    if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
        raise SSOError("Single sign-on is not configured on this server.")
    return settings.oidc_issuer.rstrip("/"), settings.oidc_client_id, settings.oidc_client_secret


async def provider(settings: Settings, *, refresh: bool = False) -> tuple[dict, KeySet]:
    """The provider's metadata and signing keys (cached for an hour per process)."""
    issuer = _client(settings)[0]
    cached = _discovered.get(issuer)
    if cached and not refresh and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1], cached[2]
    async with httpx.AsyncClient(timeout=10) as client:
        meta = await _get_json(client, issuer + "/.well-known/openid-configuration")
        if str(meta.get("issuer", "")).rstrip("/") != issuer:
            # OpenID Connect Discovery 4.3: the document must name the issuer we asked.
            raise SSOError(
                "The identity provider says it is a different issuer than ROUNDS_OIDC_ISSUER."
            )
        keys = KeySet.import_key_set(cast(Any, await _get_json(client, meta["jwks_uri"])))
    _discovered[issuer] = (time.monotonic(), meta, keys)
    return meta, keys


def redirect_uri(base: str) -> str:
    """`base`: Rounds' public address (ROUNDS_BASE_URL, else the address the request came to;
    the provider accepts only the redirect URIs registered for the client either way)."""
    return base.rstrip("/") + CALLBACK


async def start(settings: Settings, base: str, next_path: str) -> tuple[str, Flow]:
    """Where to send the browser, and what to remember until it comes back."""
    meta, _ = await provider(settings)
    flow = Flow(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(48),
        next=next_path,
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri(base),
            "scope": SCOPES,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": create_s256_code_challenge(flow.verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{meta['authorization_endpoint']}?{query}", flow


# --- the flow cookie: signed, expiring, used once --------------------------------------------


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"rounds-sso-flow\0" + secret.encode()).digest()


def seal(flow: Flow, secret: str) -> str:
    body = base64.urlsafe_b64encode(
        json.dumps({**flow.__dict__, "exp": int(time.time()) + FLOW_SECONDS}).encode()
    ).decode()
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unseal(value: str | None, secret: str) -> Flow | None:
    if not value or len(value) > 2000 or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    expected = hmac.new(_key(secret), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
        if int(data.pop("exp")) < time.time():
            return None
        return Flow(**data)
    except (ValueError, TypeError, KeyError):
        return None


# --- the callback ----------------------------------------------------------------------------


async def finish(settings: Settings, base: str, flow: Flow, *, code: str) -> str:
    """Exchange the code, check the ID token and return the verified e-mail address."""
    meta, keys = await provider(settings)
    async with httpx.AsyncClient(timeout=10) as client:
        try:
            response = await client.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri(base),
                    "code_verifier": flow.verifier,
                },
                auth=_client(settings)[1:],
            )
        except httpx.HTTPError as exc:
            raise SSOError("The identity provider could not be reached.") from exc
        if response.status_code != 200:
            # e.g. invalid_grant: a code used twice, expired, or issued to someone else.
            error = _error_of(response)
            raise SSOError(f"The identity provider refused the sign-in ({error}).")
        tokens = response.json()
        claims = _id_token_claims(settings, keys, tokens.get("id_token", ""), flow.nonce)
        email, verified = claims.get("email"), claims.get("email_verified")
        if email is None and meta.get("userinfo_endpoint"):
            info = await client.get(
                meta["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {tokens.get('access_token', '')}"},
            )
            data = info.json() if info.status_code == 200 else {}
            if data.get("sub") != claims["sub"]:
                raise SSOError("The identity provider's answers did not match.")
            email, verified = data.get("email"), data.get("email_verified")
    if not email or verified is not True:
        raise SSOError("Your hospital account has no verified e-mail address.")
    return str(email)


def _error_of(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.status_code))[:60]
    except ValueError:
        return str(response.status_code)


def _id_token_claims(settings: Settings, keys: KeySet, id_token: str, nonce: str) -> dict:
    if not id_token:
        raise SSOError("The identity provider sent no ID token.")
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "PS256", "ES256", "EdDSA"])
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": _client(settings)[0]},
            sub={"essential": True},
            aud={"essential": True, "value": _client(settings)[1]},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise SSOError(
            f"The ID token from the identity provider was not valid ({type(exc).__name__})."
        ) from exc
    claims = token.claims
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1:
        if claims.get("azp") != settings.oidc_client_id:
            raise SSOError("The ID token was issued to another application.")
    return claims


def end_session_url(settings: Settings, base: str) -> str | None:
    """The provider's RP-initiated logout page (if it has one), back to our sign-in page."""
    cached = _discovered.get((settings.oidc_issuer or "").rstrip("/"))
    endpoint = cached[1].get("end_session_endpoint") if cached else None
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": settings.oidc_client_id,
            "post_logout_redirect_uri": base.rstrip("/") + "/login?signed_out=1",
        }
    )
    return f"{endpoint}?{query}"
