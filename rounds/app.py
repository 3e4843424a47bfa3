"""create_app(settings) -> Litestar: routes, templates, CSRF, sessions, static files, errors."""

from __future__ import annotations

import hashlib
import logging
from contextlib import asynccontextmanager
from importlib import import_module

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, get
from litestar.config.compression import CompressionConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Response
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from rounds import STATIC_DIR, TEMPLATES_DIR, __version__, db
from rounds.audit import service as audit
from rounds.auth import mfa, sso
from rounds.auth.access import Viewer
from rounds.auth.device import DeviceCookies
from rounds.auth.middleware import session_middleware_factory
from rounds.auth.redirects import outbox_owner
from rounds.core import clock
from rounds.features import FEATURE_MODULES
from rounds.issues import search
from rounds.measures import definitions as measures
from rounds.settings import Settings, load_settings
from rounds.voice import service as voice
from rounds.web import errors, filters
from rounds.web.csrf import CSRFTokens, csrf_middleware_factory
from rounds.web.errors import PasswordChangeRequired, SecondFactorRequired
from rounds.web.fragments import FragmentCache
from rounds.web.nav import NavItem, items_for, split_for
from rounds.web.security import add_security_headers

log = logging.getLogger("rounds")


def cookie_names(settings: Settings) -> tuple[str, str]:
    """`__Host-` cookies are only accepted over HTTPS, so plain-HTTP development uses plain names."""
    if settings.cookie_secure:
        return "__Host-rounds_session", "__Host-rounds_csrf"
    return "rounds_session", "rounds_csrf"


def device_cookie_name(settings: Settings) -> str:
    return "__Host-rounds_device" if settings.cookie_secure else "rounds_device"


def static_version() -> str:
    """A hash of the static files, put in their URLs so they can be cached for a year."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


async def require_sign_in(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    viewer = connection.scope.get("state", {}).get("viewer")
    if viewer is None:
        raise NotAuthorizedException()
    if viewer.must_change_password and not handler.opt.get("allowed_before_password_change"):
        raise PasswordChangeRequired()
    if (
        not viewer.has_second_factor
        and viewer.sign_in_method != "sso"  # the identity provider's own second factor
        and not handler.opt.get("allowed_before_second_factor")
        and mfa.required(connection.app.state.settings, viewer.role)
    ):
        raise SecondFactorRequired()


async def static_file_exists(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Only existing files under static/: a NUL byte or a path below a file (app.css/x) reached
    the file system and came back as a 500."""
    relative = connection.scope["path"].removeprefix("/static/")
    try:
        found = "\x00" not in relative and (STATIC_DIR / relative).resolve().is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise NotFoundException()


async def provide_viewer(request: Request) -> Viewer:
    viewer = request.scope.get("state", {}).get("viewer")
    if viewer is None:
        raise NotAuthorizedException()
    return viewer


@get("/healthz", opt={"public": True}, exclude_from_csrf=True)
async def healthz() -> Response:
    ok = await db.ping()
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}
    return Response(content=body, status_code=200 if ok else 503)


def create_app(settings: Settings | None = None, *, engine=None) -> Litestar:
    settings = settings or load_settings()
    engine = engine or db.make_engine(
        settings.database_url,
        pool_size=settings.pg_pool_size,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
    )
    session_cookie, csrf_cookie = cookie_names(settings)
    audit.configure(*settings.audit_keys())
    voice.configure(settings.resolved_secret_key())  # derives the public concern-form links
    mfa.configure(settings.resolved_secret_key())
    clock.set_timezone(settings.timezone)
    measures.set_feedback_window_days(settings.feedback_window_days)
    version = static_version()
    csrf_tokens = CSRFTokens(settings.resolved_secret_key())

    handlers, nav = [healthz], []
    for name in FEATURE_MODULES:
        module = import_module(name)
        handlers.extend(module.route_handlers)
        nav.extend(getattr(module, "nav", []))

    @asynccontextmanager
    async def lifespan(app: Litestar):
        db.bind(engine)
        await db.start(engine)
        try:
            yield
        finally:
            await db.stop(engine)

    jinja_env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml", "svg"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=settings.mode
        == "dev",  # production: no stat() of every template on every render
    )
    jinja_env.filters.update(filters.FILTERS)
    jinja_env.filters["highlight"] = search.highlight  # searched words in <mark> (the log)
    jinja_env.globals.update(filters.GLOBALS)
    jinja_env.globals["static"] = lambda path: f"/static/{path}?v={version}"
    jinja_env.globals["nav_for"] = lambda viewer: items_for(viewer, nav)
    jinja_env.globals["nav_split"] = lambda viewer: split_for(viewer, nav)
    jinja_env.globals["app_version"] = __version__
    jinja_env.globals["idle_timeout_seconds"] = settings.idle_timeout_seconds
    outbox_secret = settings.resolved_secret_key()
    jinja_env.globals["outbox_owner"] = lambda viewer: outbox_owner(outbox_secret, viewer.id)
    jinja_env.globals["sso_label"] = settings.oidc_button_label if settings.sso_enabled else None
    jinja_env.globals["sso_end_session_url"] = lambda request: sso.end_session_url(
        settings, settings.link_base(str(request.base_url))
    )
    jinja_env.globals["fragment"] = FragmentCache(jinja_env, settings.fragment_cache_size)
    static_router = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        guards=[static_file_exists],
        opt={"public": True, "exclude_from_csrf": True},
        cache_control=CacheControlHeader(max_age=31_536_000, public=True),
        include_in_schema=False,
    )

    app = Litestar(
        route_handlers=[*handlers, static_router],
        lifespan=[lifespan],
        guards=[require_sign_in],
        dependencies={"viewer": Provide(provide_viewer)},
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(jinja_env)),
        plugins=[HTMXPlugin()],
        middleware=[
            session_middleware_factory(session_cookie, settings.idle_timeout_seconds),
            csrf_middleware_factory(
                csrf_tokens,
                cookie_name=csrf_cookie,
                session_cookie=session_cookie,
                secure=settings.cookie_secure,
            ),
        ],
        before_send=[add_security_headers],
        exception_handlers=errors.HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        compression_config=CompressionConfig(
            backend="gzip", gzip_compress_level=6
        ),  # first load < 60 KB (tests/browser/test_sweep.py)
        openapi_config=None,
        debug=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_cookie = session_cookie
    app.state.csrf_cookie = csrf_cookie
    app.state.csrf_tokens = csrf_tokens
    app.state.device_cookie = device_cookie_name(settings)
    app.state.device_cookies = DeviceCookies(settings.resolved_secret_key())
    app.state.nav = nav
    return app


def app_from_env():
    """Entry point for `uvicorn --factory` (each worker process builds its own app), with the
    access log around it."""
    from rounds.web.access_log import with_access_log

    settings = load_settings()
    app = create_app(settings)
    if not settings.access_log:
        return app
    return with_access_log(app, json_format=settings.log_format == "json")


__all__ = ["create_app", "app_from_env", "NavItem"]
