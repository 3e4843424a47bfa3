"""Role x unit x route: nobody reaches another unit's data.

Every route and method with a `unit_id` (or an object id registered in OBJECT_FACTORIES) is
requested by people who do not belong to that object's unit; each must get a 404, never the page,
and nothing may be written. A route whose parameter has no factory fails the test. Features
register factories for their own object ids."""

import re

from tests.conftest import World

# path parameter name -> async factory(world) that creates such an object in unit B, returning its id
OBJECT_FACTORIES = {}


def register(param):
    def wrap(fn):
        OBJECT_FACTORIES[param] = fn
        return fn

    return wrap


@register("unit_id")
async def _unit(world):
    return world.unit_b


async def _ids_in_unit_b(world):
    ids = {}
    for param, factory in OBJECT_FACTORIES.items():
        ids[param] = await factory(world)
    return ids


def _load_feature_factories():
    """Features add factories in tests/<feature>/access_factories.py (imported if present)."""
    import importlib
    import pkgutil

    import tests

    for mod in pkgutil.walk_packages(tests.__path__, "tests."):
        if mod.name.endswith("access_factories"):
            importlib.import_module(mod.name)


# Routes with path parameters that are not a unit's object, and why they are not in the matrix.
NOT_UNIT_OBJECTS = {
    "/static": "static files",
    "/admin": "admin-only pages: every route there is refused to non-admins (test_admin.py)",
}


def _unit_b_routes(app, ids):
    """(method, url, path) for every route and method with path parameters; fails on a parameter
    nobody registered a factory for, so a new route cannot slip out of the matrix."""
    routes, missing = [], []
    for route in app.routes:
        params = re.findall(r"\{(\w+)(?::\w+)?\}", route.path)
        if not params or any(route.path.startswith(prefix) for prefix in NOT_UNIT_OBJECTS):
            continue
        for handler in route.route_handlers:
            methods = sorted(handler.http_methods - {"HEAD", "OPTIONS"})
            if handler.opt.get("public") or not methods:
                continue  # reached by a secret token, not a unit id (tested with its feature)
            unknown = [p for p in params if p not in ids]
            if unknown:
                missing.append(f"{route.path} ({', '.join(unknown)})")
                continue
            url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids[m.group(1)]), route.path)
            for method in methods:
                routes.append((method, url, route.path))
    assert not missing, (
        "routes the access matrix cannot exercise - register a factory for each parameter in "
        f"tests/<feature>/access_factories.py: {missing}"
    )
    return routes


async def test_people_outside_a_unit_get_404(app, make_client, world):
    """Every method of every route on a unit-B object: 404 for people outside unit B, and
    nothing is written (the audit log does not grow)."""
    from rounds.core.tables import AuditEntry
    from tests.conftest import csrf_token, sign_in

    _load_feature_factories()
    ids = await _ids_in_unit_b(world)
    routes = _unit_b_routes(app, ids)
    assert ("GET", f"/units/{world.unit_b}", "/units/{unit_id:int}") in routes
    assert any(method == "POST" for method, _, _ in routes)
    for who in ("executive", "champion", "member"):
        async with make_client() as c:
            await sign_in(c, World.EMAILS[who])
            token = await csrf_token(c)
            before = await AuditEntry.count()
            for method, url, _ in routes:
                if method == "GET":
                    response = await c.get(url)
                else:
                    response = await c.request(
                        method, url, data={"_csrf_token": token}, headers={"x-csrftoken": token}
                    )
                assert response.status_code == 404, (who, method, url, response.status_code)
            written = await AuditEntry.select().where(AuditEntry.id > before).limit(5)
            refusals = [e for e in written if e.get("action") not in ("create", "update", "delete")]
            assert len(written) == len(refusals), (who, "wrote", written)
    # and the people who may see unit B do see it
    for who in ("outsider", "admin", "leader"):
        async with make_client() as c:
            await sign_in(c, World.EMAILS[who])
            response = await c.get(f"/units/{world.unit_b}")
            assert response.status_code == 200, who


async def test_home_lists_only_own_units(client, world, login):
    await login(client, "champion")
    html = (await client.get("/")).text
    assert "Unit A ICU" in html and "Unit B Med-Surg" not in html
