"""The server runner: every accepted connection has Nagle off, also with several workers.

With uvicorn's own multi-worker socket (proto 0) asyncio skips TCP_NODELAY and each keep-alive
response after the first waits ~40 ms for the client's delayed ACK (uvicorn issue #3149).
"""

import asyncio
import socket

import pytest

from rounds.serving import NoDelayConfig


async def test_multi_worker_socket_gives_connections_tcp_nodelay():
    config = NoDelayConfig(
        "rounds.app:app_from_env", factory=True, host="127.0.0.1", port=0, workers=2
    )
    listener = config.bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    listener.listen()
    seen = asyncio.get_running_loop().create_future()

    async def accepted(reader, writer):
        sock = writer.get_extra_info("socket")
        seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=listener)
    try:
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(seen, 5) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.slow
def test_several_workers_share_new_connections(tmp_path):
    """`rounds serve --workers 2`: each worker has its own SO_REUSEPORT socket, so the kernel
    spreads new connections over both (with one shared socket one worker often took them all);
    a worker that is killed is replaced and the server keeps answering."""
    import os
    import re
    import signal
    import subprocess
    import sys
    import time
    from collections import Counter
    from pathlib import Path

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "ROUNDS_DATABASE_URL": f"sqlite:///{tmp_path / 'rounds.sqlite3'}",
        "ROUNDS_VAR_DIR": str(tmp_path / "var"),
        "ROUNDS_COOKIE_SECURE": "false",
    }
    rounds_bin = Path(sys.executable).parent / "rounds"
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [str(rounds_bin), "serve", "--workers", "2", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def healthz() -> bool:
        try:  # a new connection each time, as 40 different tablets would open
            return httpx.get(base + "/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def pids() -> Counter:
        return Counter(
            re.findall(r"/healthz 200 \S+ rid=\S+ pid=(\d+)", (tmp_path / "server.log").read_text())
        )

    try:
        deadline = time.time() + 120
        while not (healthz() and len(pids()) >= 1) and time.time() < deadline:
            time.sleep(0.3)
        time.sleep(2)  # both workers up
        before = pids()
        for _ in range(40):
            assert healthz()
        time.sleep(0.5)
        served = pids() - before
        assert len(served) == 2, served
        assert min(served.values()) >= 8, served  # binomial(40, 1/2): below 8 is ~1 in 10^5
        os.kill(int(next(iter(served))), signal.SIGKILL)
        answered = sum(healthz() for _ in range(20))
        assert answered >= 15, answered  # connections queued on the killed worker may drop
        time.sleep(3)
        assert all(healthz() for _ in range(10))  # the replacement serves
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
