"""slow_burst - N requests at once that each wait on a slow query, and a ping beside them.

For bench/16-db.sh: opens N connections to the server, sends
GET /api/slow?seconds=S on all of them at once, and times until the last
answer is in; meanwhile it sends GET /ping (which needs no database) on
one more keep-alive connection every 20 ms and keeps the slowest answer.
A server whose pool has P connections should take about S x N / P, and
answer every ping in about a millisecond all the while.

    /usr/bin/python3 bench/slow_burst.py PORT N SECONDS
prints: total_s=... ok=... failed=... ping_max_ms=... ping_median_ms=... pings=...
"""
import asyncio
import statistics
import sys
import time


async def one(port, path):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data.startswith(b"HTTP/1.1 200")


async def pinger(port, stop, times):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while not stop.is_set():
        t0 = time.monotonic()
        writer.write(b"GET /ping HTTP/1.1\r\nHost: b\r\n\r\n")
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        times.append((time.monotonic() - t0) * 1000)
        await asyncio.sleep(0.02)
    writer.close()


async def main(port, n, seconds):
    stop, times = asyncio.Event(), []
    ping = asyncio.ensure_future(pinger(port, stop, times))
    await asyncio.sleep(0.1)
    t0 = time.monotonic()
    results = await asyncio.gather(*(one(port, f"/api/slow?seconds={seconds}") for _ in range(n)),
                                   return_exceptions=True)
    total = time.monotonic() - t0
    stop.set()
    await ping
    ok = sum(1 for r in results if r is True)
    print(f"total_s={total:.3f} ok={ok} failed={n - ok} ping_max_ms={max(times):.1f} "
          f"ping_median_ms={statistics.median(times):.2f} pings={len(times)}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
