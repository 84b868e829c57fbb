/*
 * app_db - the application's database: a pool kept on the app, reached
 * from every handler, and the one way a handler answers a failed query.
 *
 *     eddy_db *db = eddy_db_open(url, NULL);
 *     eddy_app_set_db(app, db);              the app closes it when freed
 *     ...
 *     static void topic_get(eddy_req *r)
 *     {
 *         eddy_db_result *res;
 *         int rc = eddy_db_query(eddy_req_db(r), &res, "SELECT ...", ...);
 *         if (rc)
 *             return eddy_send_db_error(r, rc, res);   503 or 500, logged
 *         ...
 *     }
 *
 * The pool lives in the app's "eddy.db" slot (handler.h), like the
 * template loader and static files.
 */
#ifndef EDDY_APP_DB_H
#define EDDY_APP_DB_H

#include <eddy/data/db.h>
#include <eddy/web/handler.h>

/* eddy_app_set_db - keep db on the app; eddy_app_free closes it. 0, or
 * -1 with eddy_app_error(). */
int eddy_app_set_db(eddy_app *app, eddy_db *db);

/* eddy_app_db / eddy_req_db - the app's pool (the app serving r), or NULL. */
eddy_db *eddy_app_db(const eddy_app *app);
eddy_db *eddy_req_db(const eddy_req *r);

/* eddy_send_db_error - answer a query that returned rc (not 0) and free
 * res: 503 Service Unavailable when the database cannot be reached or
 * has no connection free (ECONNREFUSED, ETIMEDOUT): the client may try
 * again, and the app recovers by itself when the database is back; 500
 * for anything else. Either way the log gets one line with the method,
 * the path and the database's code and message; the client gets a short
 * reason, never the SQL or the server's message. Nothing is sent for
 * ECANCELED: the client is gone. */
void eddy_send_db_error(eddy_req *r, int rc, eddy_db_result *res);

#endif
