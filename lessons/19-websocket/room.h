/*
 * room - lesson 19's chat room: members, what they say, who is online.
 *
 * The room is a pub/sub channel (lib/data/pubsub.h). A member's line is
 * not sent to the other members directly but published; every process
 * subscribed to the channel - this one, and with --redis every other
 * one - gets it back and sends it to its own members. One path for one
 * process or many, and every process keeps the same history.
 *
 * Who is online: each process publishes its roster (the nicks of its own
 * members) when one joins or leaves and every few seconds; each keeps the
 * rosters it hears and tells its members the union. A process that stops
 * publishing is forgotten after three beats.
 *
 * What a browser receives is JSON text, one object per message:
 *   {"type":"welcome","nick":N,"pid":P,"history":[message, ...]}  to a newcomer
 *   {"type":"message","nick":N,"text":T,"time":"HH:MM:SS"}   a line said
 *   {"type":"online","nicks":[...],"joined":N | "left":N}   the room changed
 * and what it sends is plain text: each message is one line said.
 */
#ifndef ROOM_H
#define ROOM_H

#include <eddy/data/pubsub.h>
#include <eddy/eddy.h>
#include <eddy/web/websocket.h>

#include <stddef.h>

#define ROOM_NICK_MAX 20
#define ROOM_TEXT_MAX 2000 /* longer lines are cut: a room is for talking */
#define ROOM_HISTORY 50

typedef struct room room;

/* room_new - the room on hub's channel "room:NAME". NULL with errno. */
room *room_new(eddy_pubsub *hub, const char *name);
void room_free(room *r);

/* room_nick_ok - 1 for 1 to ROOM_NICK_MAX letters, digits, '_' or '-'. */
int room_nick_ok(const char *nick);

/* room_join / room_leave - from the WebSocket's on_open / on_close. */
int room_join(room *r, eddy_ws *ws, const char *nick);
void room_leave(room *r, eddy_ws *ws);

/* room_say - a line from member ws (its on_message). */
void room_say(room *r, eddy_ws *ws, const char *text, size_t len);

/* room_heartbeat - publish this process's roster, forget processes not
 * heard from in a while; called every ROOM_BEAT_SECONDS. */
#define ROOM_BEAT_SECONDS 5
void room_heartbeat(room *r);

/* room_local_members - members connected to this process. */
size_t room_local_members(const room *r);

#endif
