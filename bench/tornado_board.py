"""tornado_board - lesson 16's message board page in Tornado, for bench/16-db.sh.

GET / reads the latest 20 messages and renders the same page as
lessons/16-async-db/templates/board.html (byte for byte: the benchmark
checks), from one of two databases:

    --db mysql://user:password@host:port/name   aiomysql, a pool of 8 connections
    --db sqlite:///path/board.db                sqlite3 on a ThreadPoolExecutor of
                                                4 threads, a connection per thread

GET /ping answers "pong" without the database. One process, access log
off. Runs with Debian's python3-tornado and python3-aiomysql:

    /usr/bin/python3 bench/tornado_board.py --port 8000 --db sqlite:///tmp/board.db
"""
import concurrent.futures
import sqlite3
import sys
import threading
import urllib.parse
from datetime import datetime

import tornado.ioloop
import tornado.template
import tornado.web

import tornado_serve

LATEST = "SELECT id, name, message, created FROM message ORDER BY id DESC LIMIT %s"

# board.html, with Python's way to read a key that may be missing.
PAGE = tornado.template.Template("""<!DOCTYPE html>{# board.html - the message board: the form, then the latest messages. #}
<html lang="en">
<head>
<meta charset="utf-8">
<title>Message board</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}.error{color:#b00}li{margin:.8em 0}</style>
</head>
<body>
<h1>Message board</h1>
<form method="post" action="/">
<p><label>Name <input name="name" value="{{ form.get('name', '') }}"></label>{% if errors.get('name') %} <span class="error">{{ errors['name'] }}</span>{% end %}</p>
<p><label>Email <input name="email" value="{{ form.get('email', '') }}"></label>{% if errors.get('email') %} <span class="error">{{ errors['email'] }}</span>{% end %}</p>
<p><label>Message<br><textarea name="message" rows="4" cols="50">{{ form.get('message', '') }}</textarea></label>{% if errors.get('message') %} <span class="error">{{ errors['message'] }}</span>{% end %}</p>
<p><button>Post</button></p>
</form>
<ul class="messages">
{% for m in messages %}<li><b>{{ m['name'] }}</b> <time>{{ m['created'] }}</time><br>{{ m['message'] }}</li>
{% end %}</ul>
</body>
</html>
""", name="board.html", whitespace="single")


def iso(value):
    """A DATETIME as lesson 16 writes it: ISO 8601, microseconds only when there are any, Z."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".%06d" % value.microsecond if value.microsecond else "") + "Z"


def page(handler, rows):
    messages = [{"id": r[0], "name": r[1], "message": r[2], "created": iso(r[3])} for r in rows]
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.write(PAGE.generate(messages=messages, form={}, errors={}))


class MySQLBoard(tornado.web.RequestHandler):
    pool = None

    async def get(self):
        import aiomysql
        if MySQLBoard.pool is None:
            u = urllib.parse.urlparse(DB)
            MySQLBoard.pool = await aiomysql.create_pool(
                host=u.hostname, port=u.port or 3306, user=u.username, password=u.password,
                db=u.path.lstrip("/"), minsize=1, maxsize=8, charset="utf8mb4", autocommit=True)
        async with MySQLBoard.pool.acquire() as conn:
            async with conn.cursor() as cur:
                await cur.execute(LATEST, (20,))
                rows = await cur.fetchall()
        page(self, rows)


EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=4)
LOCAL = threading.local()


def sqlite_latest(path):
    """Runs on an executor thread, with that thread's own connection.

    Opened the way lesson 16 opens its file when it runs as one process
    (SQLite's unix-excl VFS: one lock for the process, none per read), so
    both servers pay the same for locking."""
    if not hasattr(LOCAL, "conn"):
        LOCAL.conn = sqlite3.connect(f"file:{path}?vfs=unix-excl", uri=True)
    return LOCAL.conn.execute(LATEST.replace("%s", "?"), (20,)).fetchall()


class SQLiteBoard(tornado.web.RequestHandler):
    async def get(self):
        loop = tornado.ioloop.IOLoop.current()
        rows = await loop.run_in_executor(EXECUTOR, sqlite_latest, DB[len("sqlite://"):])
        page(self, rows)


class Ping(tornado.web.RequestHandler):
    def get(self):
        self.write("pong\n")


if __name__ == "__main__":
    DB = sys.argv[sys.argv.index("--db") + 1]
    del sys.argv[sys.argv.index("--db"):sys.argv.index("--db") + 2]
    board = MySQLBoard if DB.startswith("mysql://") else SQLiteBoard
    tornado_serve.serve([(r"/", board), (r"/ping", Ping)])
