#!/usr/bin/python3
"""engine_proxy.py LISTEN_SOCKET ENGINE_SOCKET: forward a unix socket to the
engine's, so that a test can make "the engine" vanish in the middle of an
operation (kill this proxy: every connection breaks, new ones are refused)
and come back (start it again), without restarting dockerd."""
import asyncio
import os
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(client_r, client_w):
    try:
        engine_r, engine_w = await asyncio.open_unix_connection(sys.argv[2])
    except OSError:
        client_w.close()
        return
    await asyncio.gather(pipe(client_r, engine_w), pipe(engine_r, client_w))


async def main():
    if os.path.exists(sys.argv[1]):
        os.unlink(sys.argv[1])
    server = await asyncio.start_unix_server(handle, path=sys.argv[1])
    async with server:
        await server.serve_forever()


asyncio.run(main())
