"""The server runner: every accepted connection has Nagle off, also with several workers.

With uvicorn's own multi-worker socket (proto 0) asyncio skips TCP_NODELAY and each keep-alive
response after the first waits ~40 ms for the client's delayed ACK (uvicorn issue #3149).
"""

import asyncio
import socket

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
