"""ws_tornado - Tornado's WebSocketHandler as bench/19-websocket.sh's reference.

The behaviour every server in that benchmark shares: /echo sends each
message back as it came (text or binary); /broadcast sends each message
it receives to every connection open on /broadcast, the sender included.
Origins are not checked (the load program is no browser). Runs with
Debian's python3-tornado, one process on 127.0.0.1:

    /usr/bin/python3 bench/ref/ws_tornado.py --port 8000
"""
import os
import sys

import tornado.websocket

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tornado_serve  # noqa: E402


class Echo(tornado.websocket.WebSocketHandler):
    def check_origin(self, origin):
        return True

    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


class Broadcast(tornado.websocket.WebSocketHandler):
    members = set()

    def check_origin(self, origin):
        return True

    def open(self):
        Broadcast.members.add(self)

    def on_close(self):
        Broadcast.members.discard(self)

    def on_message(self, message):
        binary = isinstance(message, bytes)
        for member in list(Broadcast.members):
            try:
                member.write_message(message, binary=binary)
            except tornado.websocket.WebSocketClosedError:
                Broadcast.members.discard(member)


if __name__ == "__main__":
    tornado_serve.serve([(r"/echo", Echo), (r"/broadcast", Broadcast)])
