/*
 * redis_server - the private Redis server the Redis tests run on.
 *
 * A suite with Redis tests starts one server for its whole run from a
 * Criterion PRE_ALL hook (redis_suite_start) and stops it from POST_ALL
 * (redis_suite_stop): redis-server on 127.0.0.1 and a free port, with a
 * temporary folder, through scripts/redis.sh. The runner exports its URL
 * in EDDY_TEST_REDIS_URL, so every test process (they are the runner's
 * children) finds it; when it cannot start, the hook prints one line
 * saying why and the Redis tests skip with that reason. A URL already in
 * EDDY_TEST_REDIS_URL (a server of your own) is used as it is.
 *
 * Tests that stop and restart a server start one of their own in a folder
 * of their own with redis_private_start. redis_cli looks at what a server
 * holds, the way a person would.
 */
#ifndef TEST_REDIS_SERVER_H
#define TEST_REDIS_SERVER_H

/* redis_suite_start / redis_suite_stop - for the PRE_ALL and POST_ALL hooks. */
void redis_suite_start(const char *suite);
void redis_suite_stop(void);

/* redis_url - the test server's URL, or NULL with *why saying why there
 * is none (for cr_skip_test). */
const char *redis_url(const char **why);

/* redis_private_start - start (or restart, on the same port) a server
 * with its files in dir; its URL (static buffer), or NULL with *why. */
const char *redis_private_start(const char *dir, const char **why);

/* redis_private_stop - stop the server in dir. */
void redis_private_stop(const char *dir);

/* redis_private_remove - stop the server in dir (if any) and remove dir. */
void redis_private_remove(const char *dir);

/* redis_cli - run redis-cli against url with the arguments that follow
 * (NULL-terminated); its output without the last newline (free() it), or
 * NULL when it could not run or failed. */
char *redis_cli(const char *url, ...);

#endif
