"""tornado_client - Tornado's AsyncHTTPClient under load, for bench/15-client.sh.

    /usr/bin/python3 bench/tornado_client.py simple|curl CONCURRENCY SECONDS URL

CONCURRENCY coroutines each fetch URL again and again until SECONDS have
passed, through one AsyncHTTPClient with max_clients=CONCURRENCY: the
pure-Python client ("simple") or the one on libcurl ("curl", needs
python3-pycurl). Prints the same line as bench/client_eddy.c.
"""
import resource
import sys
import time

import tornado.httpclient
import tornado.ioloop


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def main(impl, n, seconds, url):
    if impl == "curl":
        tornado.httpclient.AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient")
    client = tornado.httpclient.AsyncHTTPClient(max_clients=n)
    counts = {"requests": 0, "errors": 0, "rss_mid": 0}
    t0, c0, rss0 = time.monotonic(), cpu_s(), rss_kib()
    deadline = t0 + seconds

    async def worker():
        while time.monotonic() < deadline:
            try:
                r = await client.fetch(url, raise_error=False)
                counts["requests" if r.code == 200 else "errors"] += 1
            except Exception:
                counts["errors"] += 1
            if not counts["rss_mid"] and time.monotonic() >= t0 + seconds / 2:
                counts["rss_mid"] = rss_kib()

    import asyncio
    await asyncio.gather(*(worker() for _ in range(n)))
    cpu, wall = cpu_s() - c0, time.monotonic() - t0
    print("requests=%d errors=%d wall=%.3f cpu=%.3f bytes_per_request_in_flight=%.0f"
          % (counts["requests"], counts["errors"], wall, cpu, (counts["rss_mid"] - rss0) * 1024 / n))


if __name__ == "__main__":
    impl, n, seconds, url = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    tornado.ioloop.IOLoop.current().run_sync(lambda: main(impl, n, seconds, url))
