/*
 * room.c - lesson 19's chat room on a pub/sub channel (room.h).
 *
 * Everything a member says, and every roster, goes out through the
 * channel and comes back through on_channel: the one place that sends to
 * this process's members and keeps the history. So a room of one process
 * ("memory:") and a room of many (Redis) run the same code.
 */
#include "room.h"

#include "history.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct member {
    eddy_ws *ws;
    size_t index; /* in room->members */
    char nick[ROOM_NICK_MAX + 1];
};

/* What another process said its members are, and when it last did. */
struct roster {
    char from[32];
    json_t *nicks;
    time_t heard;
};

#define MAX_PROCESSES 64

struct room {
    eddy_pubsub *hub;
    eddy_subscription *sub;
    char channel[64];
    char self[32]; /* this process's name in rosters */
    struct member **members;
    eddy_ws **sockets; /* the members' WebSockets, in the same order, for eddy_ws_broadcast */
    size_t count, cap;
    history lines;
    struct roster others[MAX_PROCESSES];
    size_t others_count;
};

int room_nick_ok(const char *nick)
{
    size_t n = strlen(nick);
    if (n == 0 || n > ROOM_NICK_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = nick[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

size_t room_local_members(const room *r)
{
    return r->count;
}

/* send_members - one message to every member of this process, framed once. */
static void send_members(room *r, const char *text)
{
    eddy_ws_broadcast(r->sockets, r->count, text, strlen(text), 0);
}

static void publish_json(room *r, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return;
    if (eddy_pubsub_publish(r->hub, r->channel, text, strlen(text)) != 0)
        eddy_warn("room: publish on %s: %s", r->channel, strerror(errno));
    free(text);
}

/* publish_roster - this process's members; ask: everyone answers with theirs. */
static void publish_roster(room *r, int ask, const char *joined, const char *left)
{
    json_t *nicks = json_array();
    for (size_t i = 0; i < r->count; i++)
        json_array_append_new(nicks, json_string(r->members[i]->nick));
    json_t *msg = json_pack("{s:s,s:s,s:o,s:b}", "type", "roster", "from", r->self, "nicks", nicks, "ask", ask);
    if (joined)
        json_object_set_new(msg, "joined", json_string(joined));
    if (left)
        json_object_set_new(msg, "left", json_string(left));
    publish_json(r, msg);
}

/* online - every nick the room's processes reported, sorted. */
static json_t *online(room *r)
{
    json_t *all = json_array();
    for (size_t i = 0; i < r->others_count; i++)
        json_array_extend(all, r->others[i].nicks);
    size_t n = json_array_size(all);
    /* a few dozen names: an insertion sort is plenty */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(all, j - 1), *b = json_array_get(all, j);
            if (strcmp(json_string_value(a), json_string_value(b)) <= 0)
                break;
            json_incref(a);
            json_array_set(all, j - 1, b);
            json_array_set_new(all, j, a);
        }
    return all;
}

static void on_roster(room *r, json_t *msg)
{
    const char *from = json_string_value(json_object_get(msg, "from"));
    json_t *nicks = json_object_get(msg, "nicks");
    if (!from || !json_is_array(nicks))
        return;
    size_t i = 0;
    while (i < r->others_count && strcmp(r->others[i].from, from) != 0)
        i++;
    if (i == r->others_count) {
        if (i == MAX_PROCESSES)
            return;
        r->others_count++;
        snprintf(r->others[i].from, sizeof r->others[i].from, "%s", from);
        r->others[i].nicks = NULL;
    }
    json_decref(r->others[i].nicks);
    r->others[i].nicks = json_incref(nicks);
    r->others[i].heard = time(NULL);
    if (json_is_true(json_object_get(msg, "ask")) && strcmp(from, r->self) != 0)
        publish_roster(r, 0, NULL, NULL);
    json_t *event = json_pack("{s:s,s:o}", "type", "online", "nicks", online(r));
    const char *keys[] = {"joined", "left"};
    for (int k = 0; k < 2; k++) {
        json_t *who = json_object_get(msg, keys[k]);
        if (json_is_string(who))
            json_object_set(event, keys[k], who);
    }
    char *text = json_dumps(event, JSON_COMPACT);
    json_decref(event);
    if (text)
        send_members(r, text);
    free(text);
}

/* quote:begin on-channel */
/* on_channel - whatever any process of the room published. */
static void on_channel(void *arg, const char *channel, size_t clen, const void *data, size_t len)
{
    room *r = arg;
    (void)channel;
    (void)clen;
    json_t *msg = json_loadb(data, len, 0, NULL);
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (type && strcmp(type, "message") == 0) {
        history_add(&r->lines, data, len); /* for those who join later */
        send_members(r, data);            /* payloads arrive NUL-terminated */
    } else if (type && strcmp(type, "roster") == 0) {
        on_roster(r, msg);
    }
    json_decref(msg);
}
/* quote:end on-channel */

room *room_new(eddy_pubsub *hub, const char *name)
{
    room *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->hub = hub;
    snprintf(r->channel, sizeof r->channel, "room:%s", name);
    snprintf(r->self, sizeof r->self, "%ld-%ld", (long)getpid(), (long)time(NULL));
    if (history_init(&r->lines, ROOM_HISTORY) != 0 ||
        !(r->sub = eddy_pubsub_subscribe(hub, r->channel, on_channel, r))) {
        room_free(r);
        return NULL;
    }
    return r;
}

void room_free(room *r)
{
    if (!r)
        return;
    eddy_pubsub_unsubscribe(r->sub);
    for (size_t i = 0; i < r->count; i++)
        free(r->members[i]);
    for (size_t i = 0; i < r->others_count; i++)
        json_decref(r->others[i].nicks);
    free(r->members);
    free(r->sockets);
    history_free(&r->lines);
    free(r);
}

/* quote:begin join */
int room_join(room *r, eddy_ws *ws, const char *nick)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct member **m = realloc(r->members, cap * sizeof *m);
        if (m)
            r->members = m;
        eddy_ws **s = m ? realloc(r->sockets, cap * sizeof *s) : NULL;
        if (!s)
            return -1;
        r->sockets = s;
        r->cap = cap;
    }
    struct member *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->ws = ws;
    m->index = r->count;
    snprintf(m->nick, sizeof m->nick, "%s", nick);
    r->members[r->count] = m;
    r->sockets[r->count++] = ws;
    eddy_ws_set_data(ws, m);

    /* the newcomer first gets the last lines said, then the room learns */
    json_t *lines = json_array();
    for (size_t i = 0; i < history_count(&r->lines); i++)
        json_array_append_new(lines, json_loads(history_get(&r->lines, i), 0, NULL));
    json_t *welcome = json_pack("{s:s,s:s,s:I,s:o}", "type", "welcome", "nick", nick, "pid", (json_int_t)getpid(),
                                "history", lines);
    char *text = json_dumps(welcome, JSON_COMPACT);
    json_decref(welcome);
    if (text)
        eddy_ws_send_text(ws, text);
    free(text);
    publish_roster(r, 1, nick, NULL); /* ask: the others' rosters come back */
    return 0;
}
/* quote:end join */

void room_leave(room *r, eddy_ws *ws)
{
    struct member *m = eddy_ws_data(ws);
    if (!m)
        return;
    size_t last = r->count - 1;
    r->members[m->index] = r->members[last];
    r->sockets[m->index] = r->sockets[last];
    r->members[m->index]->index = m->index;
    r->count--;
    eddy_ws_set_data(ws, NULL);
    publish_roster(r, 0, NULL, m->nick);
    free(m);
}

void room_say(room *r, eddy_ws *ws, const char *text, size_t len)
{
    struct member *m = eddy_ws_data(ws);
    if (!m || len == 0)
        return;
    if (len > ROOM_TEXT_MAX) { /* cut, but never inside a UTF-8 sequence */
        len = ROOM_TEXT_MAX;
        while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
            len--;
    }
    char clock[16];
    time_t now = time(NULL);
    struct tm tm;
    strftime(clock, sizeof clock, "%H:%M:%S", localtime_r(&now, &tm));
    json_t *line = json_stringn(text, len);
    if (!line)
        return;
    publish_json(r, json_pack("{s:s,s:s,s:o,s:s}", "type", "message", "nick", m->nick, "text", line, "time", clock));
}

void room_heartbeat(room *r)
{
    time_t now = time(NULL);
    for (size_t i = 0; i < r->others_count;) {
        if (now - r->others[i].heard > 3 * ROOM_BEAT_SECONDS && strcmp(r->others[i].from, r->self) != 0) {
            json_decref(r->others[i].nicks);
            r->others[i] = r->others[--r->others_count];
        } else {
            i++;
        }
    }
    publish_roster(r, 0, NULL, NULL);
}
