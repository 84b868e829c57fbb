"""tornado_hello - Tornado's Hello, world! for bench/12-hello.sh.

The course this one follows builds on Tornado; this is its hello world,
one process, access log off, so the benchmark can set lesson 12 (libeddy)
next to it per CPU-second. Runs with Debian's python3-tornado:

    /usr/bin/python3 bench/tornado_hello.py --port 8000
"""
import logging
import signal
import sys

import tornado.httpserver
import tornado.ioloop
import tornado.web


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("Hello, world!\n")


def main():
    port = 0
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--port":
        port = int(args[1])
    logging.getLogger("tornado.access").disabled = True
    app = tornado.web.Application([(r"/", Hello)])
    server = tornado.httpserver.HTTPServer(app)
    sockets = tornado.netutil.bind_sockets(port, address="127.0.0.1", backlog=4096)
    server.add_sockets(sockets)
    print("listening on http://127.0.0.1:%d/" % sockets[0].getsockname()[1], flush=True)
    loop = tornado.ioloop.IOLoop.current()
    signal.signal(signal.SIGTERM, lambda *_: loop.add_callback_from_signal(loop.stop))
    loop.start()


if __name__ == "__main__":
    main()
