"""Overview access scoping and query counts (the figures: tests/measures)."""


async def test_scoped_to_own_units(client, world, login):
    await login(client, "executive")
    html = (await client.get("/overview")).text
    assert "Unit A ICU" in html and "Unit B Med-Surg" not in html


async def test_query_count_is_bounded(client, world, login, query_counter):
    await login(client, "leader")
    with query_counter() as counted:
        assert (await client.get("/overview")).status_code == 200
    assert counted.n <= 10, counted.queries
