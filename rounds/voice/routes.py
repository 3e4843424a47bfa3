"""Concerns from staff and families: the public form and reference page (no sign-in), the
champion's links, notices and posters, triage inbox and campaigns."""

from __future__ import annotations

import secrets
from datetime import timedelta

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template

from rounds.auth.middleware import client_ip
from rounds.core.clock import local_today
from rounds.issues import rules as issue_rules
from rounds.voice import qr, rules, service, throttle, words
from rounds.voice.forms import AcceptForm, CampaignForm, DeclineForm, MergeForm
from rounds.voice.tables import AUDIENCES
from rounds.web.forms import read_form, validate
from rounds.web.nav import NavItem
from rounds.web.params import FromPath, ViewerDep
from rounds.web.rendering import redirect, render

PUBLIC = {"public": True}
# Public pages: kept out of search engines, and no Referer carrying a token to anyone.
PUBLIC_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


def _base_url(request: Request) -> str:
    """The address printed on posters: ROUNDS_BASE_URL when set, else the one in use."""
    return request.app.state.settings.link_base(str(request.base_url))


def _form_url(base: str, token: str, *, round_id: int | None = None, lang: str = "") -> str:
    url = f"{base}/s/{token}"
    query = [f"round={round_id}"] if round_id else []
    if lang == "es":
        query.append("lang=es")
    return url + ("?" + "&".join(query) if query else "")


def _lang(request: Request, data: dict | None = None) -> str:
    value = (data or {}).get("lang") or request.query_params.get("lang") or "en"
    return "es" if value == "es" else "en"


def _int_or_none(value) -> int | None:
    if isinstance(value, list):
        value = value[-1] if value else ""
    try:
        number = int(str(value or "").strip())
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


# --- public: the concern form --------------------------------------------------------------------


async def _link_or_404(token: str) -> dict:
    link = await service.link_by_token(token)
    if link is None:
        raise NotFoundException()
    return link


async def _public_form(
    request: Request, link: dict, token: str, lang: str, values: dict, errors: dict, notice=None
) -> Response:
    text = words.for_link(link["audience"], lang)
    wanted = _int_or_none(str(values.get("round", "")))
    rounds = (
        await service.round_choices(link["unit"], wanted) if link["audience"] == "staff" else []
    )
    return _public_page(
        "voice/form.html",
        link=link,
        token=token,
        text=text,
        lang=lang,
        rounds=rounds,
        values=values,
        errors=errors,
        notice=notice,
    )


def _public_page(template: str, status_code: int = 200, **context) -> Response:
    return Template(
        template_name=template,
        context={"viewer": None, **context},
        headers=PUBLIC_HEADERS,
        status_code=status_code,
    )


@get("/s/{unit_token:str}", opt=PUBLIC, name="voice_form")
async def concern_form(request: Request, unit_token: FromPath[str]) -> Response:
    link = await _link_or_404(unit_token)
    values = {
        "round": request.query_params.get("round", ""),
        "idempotency_key": secrets.token_urlsafe(16),
    }
    return await _public_form(request, link, unit_token, _lang(request), values, {})


@post("/s/{unit_token:str}", opt=PUBLIC)
async def concern_send(request: Request, unit_token: FromPath[str]) -> Response:
    link = await _link_or_404(unit_token)
    data = {k: (v[-1] if isinstance(v, list) else v) for k, v in (await read_form(request)).items()}
    lang = _lang(request, data)
    text = words.for_link(link["audience"], lang)
    values = {k: str(data.get(k, "")) for k in ("harm", "prevent", "role", "round")}
    values["idempotency_key"] = str(data.get("idempotency_key", ""))[:64]
    if str(data.get("website", "")).strip():  # the honeypot: people never see this field
        return await _public_form(
            request, link, unit_token, lang, values, {"__all__": text["refused"]}
        )
    ip = client_ip(request.scope)
    wait = await throttle.send_wait(ip, link["unit"])
    if wait:
        return await _public_form(
            request, link, unit_token, lang, values, {}, notice=text["slowed"].format(seconds=wait)
        )
    round_id = _int_or_none(values["round"]) if link["audience"] == "staff" else None
    if values["round"].strip() and round_id is None:
        round_id = 0  # not a round: refused by send() with the other fields' messages
    try:
        code = await service.send(
            link,
            harm=values["harm"],
            prevent=values["prevent"],
            role=values["role"],
            round_id=round_id,
            language=lang,
            idempotency_key=values["idempotency_key"],
        )
    except service.ConcernInputError as exc:
        return await _public_form(request, link, unit_token, lang, values, exc.errors)
    await throttle.count_send(ip, link["unit"])
    return redirect(request, f"/c/{code}?sent=1")


# --- public: the reference page ------------------------------------------------------------------


@get("/c", opt=PUBLIC, name="voice_lookup")
async def lookup(request: Request) -> Response:
    lang = _lang(request)
    typed = request.query_params.get("code", "")[:40]
    error = None
    if typed:
        code = rules.normalise_code(typed)
        if code:
            return Redirect(
                path=f"/c/{code}" + ("?lang=es" if lang == "es" else ""), status_code=303
            )
        error = words.REFERENCE[lang]["not_found"]
    return _public_page(
        "voice/lookup.html", lang=lang, text=words.REFERENCE[lang], typed=typed, error=error
    )


@get("/c/{code:str}", opt=PUBLIC, name="voice_reference")
async def reference(request: Request, code: FromPath[str]) -> Response:
    ip = client_ip(request.scope)
    lang = _lang(request)
    wait = await throttle.lookup_wait(ip)
    if wait:
        text = words.REFERENCE[lang]
        return _public_page(
            "voice/lookup.html",
            status_code=429,
            lang=lang,
            text=text,
            typed=code[:40],
            error=text["slowed"].format(minutes=max(1, round(wait / 60))),
        )
    concern = await service.by_code(code)
    if concern is None:
        await throttle.count_miss(ip)
        raise NotFoundException()
    lang = "es" if request.query_params.get("lang") == "es" or concern["language"] == "es" else "en"
    if request.query_params.get("lang") == "en":
        lang = "en"
    return _public_page(
        "voice/reference.html",
        concern=concern,
        lang=lang,
        text=words.REFERENCE[lang],
        just_sent=bool(request.query_params.get("sent")),
        lookup_url=f"{_base_url(request)}/c",
        stoplight_es=words.STOPLIGHT_ES,
    )


# --- the champion: inbox and triage ----------------------------------------------------------------


@get("/concerns", name="voice_inbox")
async def inbox_page(request: Request, viewer: ViewerDep) -> Response:
    return render(request, "voice/inbox.html", **await service.inbox(viewer), unit=None)


async def _triage_page(request: Request, viewer, concern_id: int, *, values=None, errors=None):
    concern = await service.get_concern(viewer, concern_id)
    if values is None:
        values = {"description": concern["description"], "source": concern["suggested_source"]}
    return render(
        request,
        "voice/triage.html",
        concern=concern,
        similar=await service.similar_open_issues(concern)
        if concern["status"] == "waiting"
        else [],
        categories=await service.category_choices(),
        sources=[
            (k, issue_rules.SOURCES[k])
            for k in ("staff_assessment", "before_round", "patient_family")
        ],
        values=values,
        errors=errors or {},
    )


@get("/concerns/{concern_id:int}", name="voice_concern")
async def triage_page(request: Request, viewer: ViewerDep, concern_id: FromPath[int]) -> Response:
    return await _triage_page(request, viewer, concern_id)


async def _decide(request: Request, viewer, concern_id: int, form_model, act) -> Response:
    """Read and check a triage form, then `await act(form)` -> the URL to go to; any refusal
    re-renders the triage page with the typed values and the reason."""
    data = await read_form(request)
    form, errors = validate(form_model, data)
    if not errors:
        try:
            return redirect(request, await act(form))
        except service.ConcernInputError as exc:
            errors = exc.errors
        except service.AlreadyDecided:
            errors = {"__all__": "This concern was already triaged – see what was decided below."}
    return await _triage_page(request, viewer, concern_id, values=data, errors=errors)


@post("/concerns/{concern_id:int}/accept")
async def accept(request: Request, viewer: ViewerDep, concern_id: FromPath[int]) -> Response:
    async def act(form: AcceptForm) -> str:
        issue_id = await service.accept(
            viewer,
            concern_id,
            description=form.description,
            source=form.source,
            category_id=form.category,
        )
        return f"/issues/{issue_id}"

    return await _decide(request, viewer, concern_id, AcceptForm, act)


@post("/concerns/{concern_id:int}/merge")
async def merge(request: Request, viewer: ViewerDep, concern_id: FromPath[int]) -> Response:
    async def act(form: MergeForm) -> str:
        return f"/issues/{await service.merge(viewer, concern_id, form.issue)}"

    return await _decide(request, viewer, concern_id, MergeForm, act)


@post("/concerns/{concern_id:int}/decline")
async def decline(request: Request, viewer: ViewerDep, concern_id: FromPath[int]) -> Response:
    async def act(form: DeclineForm) -> str:
        await service.decline(viewer, concern_id, form.reason)
        concern = await service.get_concern(viewer, concern_id)
        return f"/units/{concern['unit']}/concerns?declined=1"

    return await _decide(request, viewer, concern_id, DeclineForm, act)


# --- the champion: a unit's links, posters, campaigns ----------------------------------------------


async def _unit_page(request: Request, viewer, unit_id: int, *, values=None, errors=None):
    links = await service.active_links(viewer, unit_id)
    base = _base_url(request)
    today = local_today()
    return render(
        request,
        "voice/unit.html",
        unit_id=unit_id,
        unit_name=await service.unit_name(viewer, unit_id),
        links={a: {**v, "url": _form_url(base, v["token"])} for a, v in links.items()},
        campaigns=await service.campaigns_for(viewer, unit_id),
        **await service.inbox(viewer, unit_id),
        values=values
        or {"opens_on": today.isoformat(), "closes_on": (today + timedelta(days=14)).isoformat()},
        errors=errors or {},
    )


@get("/units/{unit_id:int}/concerns", name="voice_unit")
async def unit_page(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    return await _unit_page(request, viewer, unit_id)


def _safe_next(value) -> str | None:
    value = str(value or "")
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:300]
    return None


@post("/units/{unit_id:int}/concerns/links")
async def make_link(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    data = await read_form(request)
    audience = data.get("audience")
    if audience not in AUDIENCES:
        return await _unit_page(
            request, viewer, unit_id, errors={"__all__": "Choose staff or patients and families."}
        )
    await service.new_link(viewer, unit_id, audience)
    return redirect(request, _safe_next(data.get("next")) or f"/units/{unit_id}/concerns")


@post("/units/{unit_id:int}/concerns/links/revoke")
async def revoke_link(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    data = await read_form(request)
    audience = data.get("audience")
    if audience not in AUDIENCES:
        return await _unit_page(
            request, viewer, unit_id, errors={"__all__": "Choose staff or patients and families."}
        )
    await service.revoke_link(viewer, unit_id, audience)
    return redirect(request, f"/units/{unit_id}/concerns?revoked={audience}")


@get("/units/{unit_id:int}/concerns/poster", name="voice_poster")
async def poster(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    audience = "staff" if request.query_params.get("audience") == "staff" else "family"
    lang = _lang(request) if audience == "family" else "en"
    links = await service.active_links(viewer, unit_id)
    link = links.get(audience)
    url = _form_url(_base_url(request), link["token"], lang=lang) if link else None
    text = words.for_link(audience, lang)
    return render(
        request,
        "voice/poster.html",
        unit_id=unit_id,
        unit_name=await service.unit_name(viewer, unit_id),
        audience=audience,
        lang=lang,
        text=text,
        url=url,
        lookup_url=f"{_base_url(request)}/c",
        qr=qr.svg(url, f"QR code: {url}") if url else None,
    )


@post("/units/{unit_id:int}/campaigns")
async def open_campaign(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    data = await read_form(request)
    form, errors = validate(CampaignForm, data)
    if errors or form is None:
        return await _unit_page(request, viewer, unit_id, values=data, errors=errors)
    try:
        await service.open_campaign(
            viewer, unit_id, opens_on=form.opens_on, closes_on=form.closes_on
        )
    except service.ConcernInputError as exc:
        return await _unit_page(request, viewer, unit_id, values=data, errors=exc.errors)
    return redirect(request, f"/units/{unit_id}/concerns#campaigns-h")


@post("/campaigns/{campaign_id:int}/close")
async def close_campaign(
    request: Request, viewer: ViewerDep, campaign_id: FromPath[int]
) -> Response:
    unit_id = await service.close_campaign(viewer, campaign_id)
    return redirect(request, f"/units/{unit_id}/concerns#campaigns-h")


# --- the pre-round staff notice ---------------------------------------------------------------------


async def _notice(request: Request, viewer, round_id: int) -> dict:
    row = await service.notice_round(viewer, round_id)
    links = await service.active_links(viewer, row["unit"])
    link = links.get("staff")
    url = _form_url(_base_url(request), link["token"], round_id=round_id) if link else None
    return {"round": row, "url": url, "text": words.STAFF}


@get("/rounds/{round_id:int}/notice", name="voice_notice")
async def notice(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    ctx = await _notice(request, viewer, round_id)
    return render(
        request,
        "voice/notice.html",
        **ctx,
        plain=_plain_notice(ctx) if ctx["url"] else "",
        qr=qr.svg(ctx["url"], f"QR code: {ctx['url']}") if ctx["url"] else None,
    )


def _plain_notice(ctx: dict) -> str:
    from rounds.web.filters import when

    r = ctx["round"]
    who = r.get("executive_name") or "Our executive partner"
    return (
        f"Executive safety round on {r['unit_name']}: {when(r['scheduled_at'])}\n\n"
        f"{who} is coming to the unit to learn what gets in the way of safe care – to fix "
        "systems, not to blame anyone.\n\n"
        "Please think about two questions and be ready to talk about them:\n"
        f"1. {ctx['text']['harm']}\n"
        f"2. {ctx['text']['prevent']}\n\n"
        "Can't be there, or would rather write it down? Send it ahead, without signing in or "
        f"giving your name:\n{ctx['url']}\n\n"
        "You get a reference code, and the page it opens tells you what happened to your concern.\n"
        "Please leave out anything that identifies a patient.\n"
    )


@get("/rounds/{round_id:int}/notice.txt", name="voice_notice_text")
async def notice_text(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    ctx = await _notice(request, viewer, round_id)
    if not ctx["url"]:
        raise NotFoundException()
    return Response(content=_plain_notice(ctx), media_type="text/plain; charset=utf-8")


route_handlers = [
    concern_form,
    concern_send,
    lookup,
    reference,
    inbox_page,
    triage_page,
    accept,
    merge,
    decline,
    unit_page,
    make_link,
    revoke_link,
    poster,
    open_campaign,
    close_campaign,
    notice,
    notice_text,
]

nav = [
    NavItem(
        "Concerns",
        "/concerns",
        roles=("admin", "executive", "champion"),
        order=35,
        more_for=("executive",),
    )
]
