"""tornado_serve - how the Tornado reference servers in bench/ run.

One process on 127.0.0.1 (--port N, default a free port), access log off,
the URL it listens on printed once it does, and a clean stop on SIGTERM:
what bench/lib.sh's start_server and stop_server expect of every server.
"""
import logging
import signal
import sys

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web


def serve(routes):
    port = 0
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--port":
        port = int(args[1])
    logging.getLogger("tornado.access").disabled = True
    app = tornado.web.Application(routes)
    server = tornado.httpserver.HTTPServer(app)
    sockets = tornado.netutil.bind_sockets(port, address="127.0.0.1", backlog=4096)
    server.add_sockets(sockets)
    print("listening on http://127.0.0.1:%d/" % sockets[0].getsockname()[1], flush=True)
    loop = tornado.ioloop.IOLoop.current()
    signal.signal(signal.SIGTERM, lambda *_: loop.add_callback_from_signal(loop.stop))
    loop.start()
