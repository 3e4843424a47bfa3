"""Role x unit x route: nobody reaches another unit's data.

Every GET route with a `unit_id` (or an object id registered in OBJECT_FACTORIES) is requested
by people who do not belong to that object's unit; each must get a 404 (or 403 for admin-only
pages), never the page. Features register factories for their own object ids."""

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


async def test_people_outside_a_unit_get_404(app, make_client, world):
    _load_feature_factories()
    ids = await _ids_in_unit_b(world)
    get_routes = []
    for route in app.routes:
        params = re.findall(r"\{(\w+)(?::\w+)?\}", route.path)
        if not params or route.path.startswith("/admin") or route.path.startswith("/static"):
            continue
        if any(p not in ids for p in params):
            continue
        for handler in route.route_handlers:
            if "GET" in handler.http_methods:
                url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids[m.group(1)]), route.path)
                get_routes.append(url)
    assert f"/units/{world.unit_b}" in get_routes
    from tests.conftest import sign_in

    for who in ("executive", "champion", "member"):
        async with make_client() as c:
            await sign_in(c, World.EMAILS[who])
            for url in get_routes:
                response = await c.get(url)
                assert response.status_code == 404, (who, url, response.status_code)
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
