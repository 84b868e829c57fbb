"""seed_forum - the benchmark's forum content as SQL, for bench/21-forum.sh.

    /usr/bin/python3 bench/ref/seed_forum.py [GROUPS] [COMMENTS] | mariadb ...   (or sqlite3)
    /usr/bin/python3 bench/ref/seed_forum.py --covers DIR      writes DIR/cover-0.png .. cover-3.png

Written into the tables lesson 21 makes on its first start, so the forum
and its Tornado twin read the same rows: 20 users (who never sign in:
their password column holds no usable hash), GROUPS groups (default 20)
with a cover each (cover-N.png, which the script copies into the media
folder, written by --covers), their creators as members, 10 posts in group 1, and post 1 with
COMMENTS top-level comments (default 50), every fifth of them answered by
two replies naming whom they answer, and likes. Plain SQL that MariaDB and
SQLite both take (backquoted names, explicit ids, fixed times).
"""
import struct
import sys
import zlib


def png(shade):
    """A 16x16 RGB PNG, a gradient tinted by shade."""
    raw = b"".join(b"\0" + b"".join(bytes([x * 16, 90, (y * 16 + shade * 60) % 256]) for x in range(16))
                   for y in range(16))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


if len(sys.argv) == 3 and sys.argv[1] == "--covers":
    for i in range(4):
        with open("%s/cover-%d.png" % (sys.argv[2], i), "wb") as f:
            f.write(png(i))
    sys.exit(0)

groups = int(sys.argv[1]) if len(sys.argv) > 1 else 20
comments = int(sys.argv[2]) if len(sys.argv) > 2 else 50
users = 20
categories = ["教育同盟", "同城交易", "程序设计", "生活兴趣"]


def q(text):
    return "'" + text.replace("'", "''") + "'"


def t(seconds):
    return q("2026-01-01 %02d:%02d:%02d" % (seconds // 3600 % 24, seconds // 60 % 60, seconds % 60))


out = ["BEGIN;"]
for u in range(1, users + 1):
    out.append("INSERT INTO `user` (id, mobile, password, nick_name, `desc`, add_time) VALUES "
               "(%d, %s, 'x', %s, %s, %s);" % (1000 + u, q("1390000%04d" % u), q("reader %d" % u),
                                                q("Walks & <b>talks</b> %d" % u), t(u)))
for g in range(1, groups + 1):
    out.append("INSERT INTO community_group (id, creator_id, name, category, front_image, `desc`, notice, "
               "member_nums, post_nums, add_time) VALUES (%d, %d, %s, %s, %s, %s, %s, %d, %d, %s);"
               % (1000 + g, 1000 + (g % users) + 1, q("Group %d: <i>walkers</i> & co" % g),
                  q(categories[g % len(categories)]), q("cover-%d.png" % (g % 4)),
                  q("What group %d is about" % g), q("Be kind"), 1 + g % 7, 10 if g == 1 else 0, t(100 + g)))
    out.append("INSERT INTO community_group_member (user_id, community_id, status, apply_reason, handle_time, "
               "add_time) VALUES (%d, %d, 'agree', 'creator', %s, %s);"
               % (1000 + (g % users) + 1, 1000 + g, t(100 + g), t(100 + g)))
for p in range(1, 11):
    out.append("INSERT INTO post (id, user_id, title, group_id, comment_nums, is_excellent, is_hot, content, add_time) "
               "VALUES (%d, %d, %s, 1001, %d, 0, %d, %s, %s);"
               % (1000 + p, 1000 + p, q("Post %d: trails & <views>" % p), comments if p == 1 else 0, p % 2,
                  q("Some **Markdown** text for post %d." % p), t(200 + p)))
cid = 1000
for c in range(1, comments + 1):
    cid += 1
    top = cid
    author = 1000 + (c % users) + 1
    out.append("INSERT INTO post_comment (id, user_id, post_id, content, reply_nums, like_nums, add_time) "
               "VALUES (%d, %d, 1001, %s, %d, %d, %s);"
               % (top, author, q("Comment %d: I <3 this & that" % c), 2 if c % 5 == 0 else 0, c % 4, t(300 + c)))
    if c % 5 == 0:
        for r in range(2):
            cid += 1
            out.append("INSERT INTO post_comment (id, user_id, post_id, parent_comment_id, reply_user_id, content, "
                       "reply_nums, like_nums, add_time) VALUES (%d, %d, 1001, %d, %d, %s, 0, 0, %s);"
                       % (cid, 1000 + ((c + r + 1) % users) + 1, top, author, q("Reply %d to comment %d" % (r, c)),
                          t(400 + c * 2 + r)))
out.append("COMMIT;")
print("\n".join(out))
