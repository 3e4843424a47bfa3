"""Run an ASGI app under uvicorn, with one or more worker processes.

Why not plain `uvicorn.run(workers=N)`: with more than one worker uvicorn binds the listening
socket itself with `proto=0`, so the accepted connections never get TCP_NODELAY and every
keep-alive response after the first waits ~40 ms for the browser's delayed ACK (uvicorn issue
#3149, open as of uvicorn 0.54). Measured here: 44 ms per request instead of 1.5 ms. We bind
the socket the same way and then give it back its real protocol, so asyncio turns Nagle off
on every connection, as it does for a single worker.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


class NoDelayConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        return with_real_protocol(super().bind_socket())


def with_real_protocol(sock: socket.socket) -> socket.socket:
    """The same listening socket, re-wrapped so Python reads its protocol (TCP) from the kernel."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return sock
    sock.setsockopt(
        socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
    )  # Linux: inherited by accepted sockets
    fixed = socket.socket(fileno=sock.detach())  # proto 6 instead of 0
    fixed.set_inheritable(True)
    return fixed


def run(app: str, *, host: str, port: int, workers: int = 1, **options) -> None:
    """Serve `app` ("module:factory", always a factory) until interrupted."""
    config = NoDelayConfig(app, factory=True, host=host, port=port, workers=workers, **options)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()  # uvicorn lets asyncio bind here: TCP_NODELAY is already on
