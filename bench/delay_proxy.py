"""A TCP proxy that delays every chunk it forwards, each way: a database "on another machine".

This machine's kernel has no ``netem``, so the bench puts this between the server and
PostgreSQL to see how creates behave when every round trip costs time. Each chunk read from
one side is written to the other ``--delay-ms`` after it arrived; chunks keep their order and
do not wait for each other (a latency, not a bandwidth limit).

    python bench/delay_proxy.py --listen 127.0.0.1:15432 --to 127.0.0.1:5432 --delay-ms 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    due: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def forward() -> None:
        while True:
            at, chunk = await due.get()
            if not chunk:
                break
            wait = at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(chunk)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    sender = asyncio.create_task(forward())
    try:
        while True:
            chunk = await reader.read(65536)
            due.put_nowait((loop.time() + delay, chunk))
            if not chunk:
                break
    except OSError:
        due.put_nowait((0.0, b""))
    with contextlib.suppress(OSError):
        await sender


async def serve(listen: tuple[str, int], target: tuple[str, int], delay: float) -> None:
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            _pump(reader, upstream_writer, delay),
            _pump(upstream_reader, writer, delay),
            return_exceptions=True,
        )

    server = await asyncio.start_server(client, *listen)
    print(
        f"delaying {listen[0]}:{listen[1]} -> {target[0]}:{target[1]} by {delay * 1000:g} ms",
        flush=True,
    )
    async with server:
        await server.serve_forever()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listen", type=_address, required=True, help="HOST:PORT to accept on")
    parser.add_argument("--to", type=_address, required=True, help="HOST:PORT to forward to")
    parser.add_argument("--delay-ms", type=float, default=1.0, help="delay each way (ms)")
    args = parser.parse_args(argv)
    with contextlib.suppress(ImportError):
        import uvloop  # the server's own loop: cheaper per chunk than asyncio's

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.listen, args.to, args.delay_ms / 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
