/*
 * e2e - what the forum's end-to-end tests share (the browser walk, the
 * nginx deployment and the scale-out test): where the forum program and
 * the test's artefacts are, the forum started as a reader would start it,
 * the peers those tests need found or skipped with one line, and a small
 * PNG to upload as a cover.
 */
#ifndef FORUM_E2E_H
#define FORUM_E2E_H

#include "harness.h"

/* e2e_forum_program - the forum's path (TEST_BUILD_DIR/lessons/21-forum/forum). */
const char *e2e_forum_program(void);

/* e2e_artefacts - TEST_BUILD_DIR/artefacts/forum/NAME, made and emptied
 * (static buffer): where screenshots and logs of a run are kept. */
const char *e2e_artefacts(const char *name);

/* e2e_tempdir - a new temporary folder (static buffer per call site:
 * copy it) for one test's database, media and configuration. */
char *e2e_tempdir(void);

/* e2e_write_png - a small valid PNG at path; 0 or -1. */
int e2e_write_png(const char *path);

/* e2e_write_file - text at path; 0 or -1. */
int e2e_write_file(const char *path, const char *text);

/* e2e_start_forum - the forum with the options that follow its path
 * (NULL-terminated; --port 0 is added), waited for until it accepts;
 * 0 or -1 with its output in p->output. */
int e2e_start_forum(th_proc *p, ...);

/* e2e_drain - read whatever p printed (so a chatty child never blocks
 * on a full pipe), waiting at most wait_ms; returns 1 once p's output
 * has ended. */
int e2e_drain(th_proc *p, int wait_ms);

/* e2e_http - one HTTP/1.1 request to 127.0.0.1:port (Connection: close),
 * the whole answer in a malloc'ed string (free() it), or NULL. extra is
 * more header lines ("Name: value\r\n"...) or NULL; body may be NULL. */
char *e2e_http(int port, const char *method, const char *target, const char *extra, const char *body);

/* e2e_status - the status code of an answer e2e_http returned, or 0. */
int e2e_status(const char *answer);

/* e2e_header - the value of header name in answer (static buffer), or NULL. */
const char *e2e_header(const char *answer, const char *name);

/* e2e_body - where answer's body starts, or "". */
const char *e2e_body(const char *answer);

/* e2e_free_port - a port on 127.0.0.1 nobody listened on a moment ago
 * (for programs that cannot be told to take port 0, such as nginx). */
int e2e_free_port(void);

/* e2e_replace - text with every `from` replaced by `to` (malloc'ed), or
 * NULL when `from` does not occur: the caller says which was missing. */
char *e2e_replace(const char *text, const char *from, const char *to);

/* e2e_read_file - a file's contents (malloc'ed), or NULL. */
char *e2e_read_file(const char *path);

/* e2e_ws_handshake - a WebSocket opening handshake on path (extra:
 * more header lines or NULL); the answer's status (101 when upgraded),
 * 0 on no answer. *fd keeps the connection open when fd is not NULL. */
int e2e_ws_handshake(int port, const char *path, const char *extra, int *fd);

/* e2e_sms_code - the code the forum's console SMS sender logged for
 * mobile (waiting up to 5 s for it), in a static buffer, or NULL. */
const char *e2e_sms_code(th_proc *forum, const char *mobile);

/* e2e_sign_up - register mobile through the JSON API (/code/, the code
 * from the forum's log, /register/, /login/); the token (malloc'ed), or
 * NULL with why (static) saying what failed. code_from answers the
 * /code/ request's code (the forum whose log has it; it may be another
 * process than port's). */
char *e2e_sign_up(int port, th_proc *code_from, const char *mobile, const char *password, const char **why);

#endif
