"""tornado_forum - the forum's read pages in Tornado, for bench/21-forum.sh.

The course's forum is Tornado with peewee-async on MySQL; this is that
stack's version of the three things the benchmark reads, written the way
the course's handlers are (one coroutine per request, queries awaited on
an aiomysql pool), on the same MariaDB database and tables as lesson 21:

    GET /groups/       the JSON group list: model_to_dict(group) with the
                       creator nested and the cover as an absolute URL,
                       newest first (the course's GroupHandler, o=new)
    GET /              the group list page (lesson 21's groups.html)
    GET /post/ID       a post page with its comments newest first, each
                       with its replies and like count (lesson 21's post.html),
                       for a member of the post's group only: the course's
                       authenticated_async (the tsessionid header's JWT
                       decoded, its user loaded) and membership check
    GET /ping          "pong", no database

The pages' markup follows lesson 21's templates (groups.html, post.html
in base.html), rendered with Tornado's own template engine from the copies
below: the group list as a visitor who is not signed in sees it, the post
as its member does (the inbox badge, the forms with their XSRF fields,
whether each comment is liked). One difference: the forum renders a
post's Markdown with cmark, this shows the text as it is (Debian's Python
has no Markdown module installed here). One process, access log
off, a pool of 8 connections. Runs with Debian's python3-tornado and
python3-aiomysql:

    /usr/bin/python3 bench/ref/tornado_forum.py --port 8000 --db mysql://user:pw@127.0.0.1:3306/forum --secret S
    /usr/bin/python3 bench/ref/tornado_forum.py --token USER_ID --secret S    prints a token for USER_ID
"""
import datetime
import json
import os
import sys
import urllib.parse

import jwt
import tornado.escape
import tornado.ioloop
import tornado.template
import tornado.web

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tornado_serve  # noqa: E402  (bench/tornado_serve.py)

SITE_URL = ""
SECRET = "bench-secret"
TOKEN_DAYS = 7

TEMPLATES = tornado.template.DictLoader({
    "base.html": """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}Forum{% end %} · Forum</title>
<link rel="stylesheet" href="/static/forum.css">
</head>
<body>
<header class="top">
<a class="brand" href="/">Forum</a>
<a href="/">Groups</a>
<a href="/qa">Q&amp;A</a>
<form action="/search" method="get" role="search"><input type="search" name="q" value="" placeholder="Search" aria-label="Search"></form>
{% if me %}
<a href="/inbox">Inbox <span id="unread" class="badge">{% if unread %}{{ unread }}{% end %}</span></a>
<a href="/me">{{ me['nick_name'] or me['mobile'] }}</a>
<form action="/signout" method="post">{% raw xsrf_form_html() %}<button class="link" type="submit">Sign out</button></form>
{% else %}
<a href="/signin">Sign in</a>
<a href="/signup">Sign up</a>
{% end %}
</header>
<main>
{% block body %}{% end %}
</main>
<div id="toast" role="status" aria-live="polite"></div>
<script src="/static/forum.js"></script>
</body>
</html>
""",
    "groups.html": """{% extends "base.html" %}
{% block title %}Groups{% end %}
{% block body %}
<h1>Groups</h1>
<ul class="tabs">
{% for c in categories %}<li><a href="/?c={{ url_escape(c) }}&amp;o={{ url_escape(order) }}"{% if c == category %} class="on"{% end %}>{{ c }}</a></li>
{% end %}</ul>
<ul class="tabs">
<li><a href="/?c={{ url_escape(category) }}&amp;o=new"{% if order == 'new' %} class="on"{% end %}>Newest</a></li>
<li><a href="/?c={{ url_escape(category) }}&amp;o=hot"{% if order == 'hot' %} class="on"{% end %}>Most members</a></li>
</ul>
{% for g in groups %}
<div class="card">
{% if g['front_image'] %}<img class="thumb" src="/media/{{ url_escape(g['front_image'], plus=False) }}" alt="">{% end %}
<h3><a href="/group/{{ g['id'] }}">{{ g['name'] }}</a></h3>
<p class="meta">{{ g['category'] }} · members: {{ g['member_nums'] }} · posts: {{ g['post_nums'] }} · by {{ g['creator_name'] }}</p>
<div class="clear"></div>
</div>
{% end %}
{% if not groups %}<p>No groups here yet.</p>{% end %}
{% end %}
""",
    "post.html": """{% extends "base.html" %}
{% block title %}{{ post['title'] }}{% end %}
{% block body %}
<p class="meta"><a href="/group/{{ post['group_id'] }}">{{ post['group_name'] }}</a></p>
<h1>{{ post['title'] }}</h1>
<p class="meta">{{ post['author_name'] }} · {{ post['add_time'] }} · comments: {{ post['comment_nums'] }}</p>
<div class="content">{{ post['content'] }}</div>
<h2>Comments</h2>
<form method="post" action="/post/{{ post['id'] }}/comment">
{% raw xsrf_form_html() %}
<p class="field"><label for="content">Your comment</label> <textarea id="content" name="content" required minlength="3" maxlength="1000"></textarea></p>
<p><button type="submit">Comment</button></p>
</form>
{% for c in comments %}
<div class="comment" id="c{{ c['id'] }}">
<p><strong>{{ c['author_name'] }}</strong> <span class="meta">{{ c['add_time'] }}</span></p>
<p>{{ c['content'] }}</p>
<form data-like method="post" action="/comment/{{ c['id'] }}/like">{% raw xsrf_form_html() %}<span data-count>{{ c['like_nums'] }}</span> <button type="submit">{% if c['has_liked'] %}Unlike{% else %}Like{% end %}</button></form>
<div class="replies">
{% for rp in c['replies'] %}
<p id="c{{ rp['id'] }}"><strong>{{ rp['author_name'] }}</strong>{% if rp['reply_name'] %} → {{ rp['reply_name'] }}{% end %}: {{ rp['content'] }} <span class="meta">{{ rp['add_time'] }}</span></p>
{% end %}
<details><summary>Reply</summary>
<form method="post" action="/comment/{{ c['id'] }}/reply">{% raw xsrf_form_html() %}
<p class="field"><label for="to{{ c['id'] }}">To</label><select id="to{{ c['id'] }}" name="replyed_user">
<option value="{{ c['user_id'] }}">{{ c['author_name'] }}</option>
{% for rp in c['replies'] %}{% if rp['user_id'] != c['user_id'] %}<option value="{{ rp['user_id'] }}">{{ rp['author_name'] }}</option>{% end %}{% end %}
</select></p>
<p class="field"><label for="r{{ c['id'] }}">Reply</label><textarea id="r{{ c['id'] }}" name="content" required minlength="3"></textarea></p>
<p><button type="submit">Reply</button></p>
</form></details>
</div>
</div>
{% end %}
{% if not comments %}<p>No comments yet.</p>{% end %}
{% end %}
""",
}, whitespace="single")

CATEGORIES = ["全部", "教育同盟", "同城交易", "程序设计", "生活兴趣"]


def when(value):
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime.datetime) else value


def json_serial(value):
    """The course's json_serial: datetimes as isoformat()."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    raise TypeError(type(value))


async def make_pool():
    import aiomysql
    u = urllib.parse.urlparse(DB)
    return await aiomysql.create_pool(
        host=u.hostname, port=u.port or 3306, user=u.username, password=u.password,
        db=u.path.lstrip("/"), minsize=8, maxsize=8, charset="utf8mb4", autocommit=True)


class Base(tornado.web.RequestHandler):
    pool = None  # made once, before the server takes its first request

    async def query(self, sql, args=()):
        import aiomysql
        async with Base.pool.acquire() as conn:
            async with conn.cursor(aiomysql.DictCursor) as cur:
                await cur.execute(sql, args)
                return await cur.fetchall()

    def page(self, name, me=None, unread=0, **context):
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.write(TEMPLATES.load(name).generate(url_escape=tornado.escape.url_escape, me=me, unread=unread,
                                                 xsrf_form_html=self.xsrf_form_html, **context))


# CommunityGroup.extend(): the group joined with its creator.
GROUPS = ("SELECT g.*, u.id AS u_id, u.mobile AS u_mobile, u.nick_name AS u_nick_name, u.head_url AS u_head_url,"
          " u.address AS u_address, u.`desc` AS u_desc, u.gender AS u_gender, u.add_time AS u_add_time"
          " FROM community_group g JOIN `user` u ON u.id = g.creator_id")


class GroupList(Base):
    """GET /groups/: the course's GroupHandler.get (c, o, limit)."""

    async def get(self):
        sql, args = GROUPS, []
        c = self.get_argument("c", None)
        if c and c != "全部":
            sql += " WHERE g.category = %s"
            args.append(c)
        sql += " ORDER BY g.member_nums DESC" if self.get_argument("o", "new") == "hot" else " ORDER BY g.add_time DESC"
        limit = self.get_argument("limit", None)
        if limit:
            sql += " LIMIT %s"
            args.append(int(limit))
        groups = []
        for row in await self.query(sql, args):
            creator = {k[2:]: row.pop(k) for k in list(row) if k.startswith("u_")}
            row.pop("creator_id")
            row["creator"] = creator
            if row["front_image"]:
                row["front_image"] = "%s/media/%s/" % (SITE_URL, row["front_image"])
            groups.append(row)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(groups, default=json_serial))


class GroupsPage(Base):
    """GET /: the group list page, newest first."""

    async def get(self):
        category = self.get_argument("c", "全部")
        order = self.get_argument("o", "new")
        sql, args = GROUPS, []
        if category != "全部":
            sql += " WHERE g.category = %s"
            args.append(category)
        sql += " ORDER BY g.member_nums DESC" if order == "hot" else " ORDER BY g.add_time DESC"
        rows = await self.query(sql, args)
        for g in rows:
            g["creator_name"] = g["u_nick_name"] or g["u_mobile"]
        self.page("groups.html", groups=rows, categories=CATEGORIES, category=category, order=order)


class PostPage(Base):
    """GET /post/ID: the post, its comments (PostComment.extend()), their replies."""

    async def get(self, post_id):
        # authenticated_async: the token, then its user
        try:
            payload = jwt.decode(self.request.headers.get("tsessionid", ""), SECRET, algorithms=["HS256"])
        except jwt.PyJWTError:
            raise tornado.web.HTTPError(401)
        users = await self.query("SELECT * FROM `user` WHERE id = %s", (payload["id"],))
        if not users:
            raise tornado.web.HTTPError(401)
        me = users[0]
        posts = await self.query(
            "SELECT p.*, u.nick_name, u.mobile, g.name AS group_name FROM post p JOIN `user` u ON u.id = p.user_id"
            " JOIN community_group g ON g.id = p.group_id WHERE p.id = %s", (post_id,))
        if not posts:
            raise tornado.web.HTTPError(404)
        post = posts[0]
        member = await self.query(
            "SELECT id FROM community_group_member WHERE user_id = %s AND community_id = %s AND status = 'agree'",
            (me["id"], post["group_id"]))
        if not member:
            raise tornado.web.HTTPError(403)
        post["author_name"] = post["nick_name"] or post["mobile"]
        post["add_time"] = when(post["add_time"])
        rows = await self.query(
            "SELECT c.*, a.nick_name AS a_nick, a.mobile AS a_mobile, r.nick_name AS r_nick, r.mobile AS r_mobile"
            " FROM post_comment c JOIN `user` a ON a.id = c.user_id LEFT OUTER JOIN `user` r ON r.id = c.reply_user_id"
            " WHERE c.post_id = %s ORDER BY c.add_time DESC, c.id DESC", (post_id,))
        comments, by_id = [], {}
        for c in rows:
            c["author_name"] = c["a_nick"] or c["a_mobile"]
            c["reply_name"] = (c["r_nick"] or c["r_mobile"]) if c["reply_user_id"] else None
            c["add_time"] = when(c["add_time"])
            c["replies"] = []
            by_id[c["id"]] = c
        for c in reversed(rows):  # replies oldest first under their comment
            if c["parent_comment_id"] and c["parent_comment_id"] in by_id:
                by_id[c["parent_comment_id"]]["replies"].append(c)
        comments = [c for c in rows if not c["parent_comment_id"]]
        liked = set()
        if comments:
            marks = ", ".join(["%s"] * len(comments))
            liked = {r["post_comment_id"] for r in await self.query(
                "SELECT post_comment_id FROM comment_like WHERE user_id = %s AND post_comment_id IN (" + marks + ")",
                [me["id"]] + [c["id"] for c in comments])}
        for c in comments:
            c["has_liked"] = c["id"] in liked
        unread = (await self.query("SELECT COUNT(*) AS n FROM message WHERE receiver_id = %s AND is_read = 0",
                                   (me["id"],)))[0]["n"]
        self.page("post.html", me=me, unread=unread, post=post, comments=comments)


class Ping(tornado.web.RequestHandler):
    def get(self):
        self.write("pong\n")


def option(name, default=None):
    if name not in sys.argv:
        return default
    value = sys.argv[sys.argv.index(name) + 1]
    del sys.argv[sys.argv.index(name):sys.argv.index(name) + 2]
    return value


if __name__ == "__main__":
    SECRET = option("--secret", SECRET)
    if "--token" in sys.argv:
        user = int(option("--token"))
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=TOKEN_DAYS)
        print(jwt.encode({"id": user, "exp": exp}, SECRET, algorithm="HS256"))
        sys.exit(0)
    DB = option("--db")
    SITE_URL = option("--site-url", SITE_URL)
    Base.pool = tornado.ioloop.IOLoop.current().run_sync(make_pool)
    tornado_serve.serve([(r"/groups/", GroupList), (r"/", GroupsPage), (r"/post/([0-9]+)", PostPage), (r"/ping", Ping)])
