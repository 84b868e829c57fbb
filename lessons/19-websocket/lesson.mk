# Lesson 19: websocket - a chat room, live push, an echo, and ten thousand idle WebSockets.
LESSON_PROGS += 19-websocket/chat
19-websocket/chat.srcs := chat.c room.c history.c
19-websocket/chat.eddy := yes
# ws-load is plain C on epoll (a measuring tool, like wrk): no libeddy.
LESSON_PROGS += 19-websocket/ws-load
19-websocket/ws-load.srcs := ws_load.c ws_load_conn.c
19-websocket/ws-load.libs := -lcrypto
