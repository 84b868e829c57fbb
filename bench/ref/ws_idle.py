"""ws_idle - hold N notification sockets open to the forum, for bench/21-forum.sh.

    /usr/bin/python3 bench/ref/ws_idle.py PORT N TOKENS_FILE

Opens N WebSockets to /ws/notifications on 127.0.0.1:PORT, each signed
in with a token from TOKENS_FILE (one a line, used in turn), 200 at a
time; checks each is upgraded (101) and hears the forum's "ready"; then
prints "open N failed F" and holds them, reading whatever comes, until it
is killed. The sockets send nothing after the handshake: what an open
page that nobody looks at costs the server.
"""
import asyncio
import base64
import os
import sys


async def one(port, token, held):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(("GET /ws/notifications HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                  "tsessionid: %s\r\n\r\n" % (port, key, token)).encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    if not head.startswith(b"HTTP/1.1 101"):
        writer.close()
        raise RuntimeError(head.split(b"\r\n")[0].decode())
    first = await asyncio.wait_for(reader.read(256), 30)
    if b"ready" not in first:
        raise RuntimeError("no ready")
    held.append((reader, writer))


async def main():
    port, n, tokens_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    tokens = [t.strip() for t in open(tokens_file) if t.strip()]
    held, failed = [], 0
    for start in range(0, n, 200):
        results = await asyncio.gather(*(one(port, tokens[i % len(tokens)], held)
                                         for i in range(start, min(n, start + 200))), return_exceptions=True)
        bad = [r for r in results if isinstance(r, Exception)]
        failed += len(bad)
        if bad and failed == len(bad):
            print("first failure: %r" % bad[0], file=sys.stderr, flush=True)
    print("open %d failed %d" % (len(held), failed), flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
