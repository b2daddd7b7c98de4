#!/usr/bin/python3
"""engine_proxy.py LISTEN_SOCKET ENGINE_SOCKET [--cut-at N [--match REGEX]]:
forward a unix socket to the engine's, so that a test can make "the engine"
vanish in the middle of an operation and come back (start it again), without
restarting dockerd.

Without --cut-at, "the engine" vanishes when the test kills this proxy:
every connection breaks, new ones are refused.  With --cut-at N it vanishes
by itself, deterministically, when the Nth request whose request line
("POST /v1.41/services/create HTTP/1.1") matches REGEX arrives: that request
is not forwarded, every connection is closed, the socket file is removed
(so new connections are refused), and the proxy exits 0 once the cut is
done.  N = 1 cuts at the first such request."""
import argparse
import asyncio
import os
import re
import sys

args = None
seen = 0
writers = set()
done = None


def vanish(server):
    server.close()
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    for w in list(writers):
        w.transport.abort()
    done.set()


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def read_body(reader, head):
    """The body of the request whose head is given, as bytes."""
    length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    if length:
        return await reader.readexactly(int(length.group(1)))
    if not re.search(rb"(?im)^transfer-encoding:\s*chunked\s*$", head):
        return b""
    body = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        body += size_line + chunk
        if size == 0:
            return body


async def requests(server, client_r, engine_w):
    """Forward the client's requests one by one, counting the matching ones."""
    global seen
    try:
        while True:
            head = await client_r.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            if args.cut_at and re.search(args.match, line):
                seen += 1
                if seen >= args.cut_at:
                    vanish(server)
                    return
            engine_w.write(head + await read_body(client_r, head))
            await engine_w.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        engine_w.close()


async def handle(server, client_r, client_w):
    if done.is_set():
        client_w.transport.abort()
        return
    try:
        engine_r, engine_w = await asyncio.open_unix_connection(args.engine)
    except OSError:
        client_w.close()
        return
    writers.update((client_w, engine_w))
    try:
        if args.cut_at:
            await asyncio.gather(requests(server, client_r, engine_w),
                                 pipe(engine_r, client_w))
        else:
            await asyncio.gather(pipe(client_r, engine_w), pipe(engine_r, client_w))
    finally:
        writers.difference_update((client_w, engine_w))


async def main():
    global done
    done = asyncio.Event()
    if os.path.exists(args.listen):
        os.unlink(args.listen)
    server = None

    async def on_client(r, w):
        await handle(server, r, w)
    server = await asyncio.start_unix_server(on_client, path=args.listen)
    async with server:
        if args.cut_at:
            await done.wait()
        else:
            await server.serve_forever()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("listen")
    p.add_argument("engine")
    p.add_argument("--cut-at", type=int, default=0)
    p.add_argument("--match", default=".")
    args = p.parse_args()
    asyncio.run(main())
    sys.exit(0)
