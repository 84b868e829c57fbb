"""tornado_hello - Tornado's Hello, world! for bench/12-hello.sh.

The course this one follows builds on Tornado; this is its hello world,
one process, access log off, so the benchmark can set lesson 12 (libeddy)
next to it per CPU-second. Runs with Debian's python3-tornado:

    /usr/bin/python3 bench/tornado_hello.py --port 8000
"""
import tornado.web

import tornado_serve


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("Hello, world!\n")


if __name__ == "__main__":
    tornado_serve.serve([(r"/", Hello)])
