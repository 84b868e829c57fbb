/*
 * app_db - the app's database pool in a slot, and database errors as
 * HTTP answers; see app_db.h.
 */
#include <eddy/web/app_db.h>

#include <eddy/base/log.h>

#include <errno.h>
#include <string.h>

static const char db_slot[] = "eddy.db";

static void close_db(void *db)
{
    eddy_db_close(db);
}

int eddy_app_set_db(eddy_app *app, eddy_db *db)
{
    return eddy_app_set_slot(app, db_slot, db, close_db);
}

eddy_db *eddy_app_db(const eddy_app *app)
{
    return eddy_app_slot(app, db_slot);
}

eddy_db *eddy_req_db(const eddy_req *r)
{
    return eddy_req_app_slot(r, db_slot);
}

void eddy_send_db_error(eddy_req *r, int rc, eddy_db_result *res)
{
    if (rc != ECANCELED) {
        eddy_str method = eddy_request_method(r);
        eddy_str path = eddy_request_path(r);
        bool unavailable = rc == ECONNREFUSED || rc == ETIMEDOUT;
        eddy_db *db = eddy_req_db(r);
        eddy_warn("%.*s %.*s: database %s %s: %s (code %d)", (int)method.len, method.p,
                  (int)path.len, path.p, db ? eddy_db_url_redacted(db) : "",
                  unavailable ? "unavailable" : "error",
                  res ? eddy_db_errmsg(res) : strerror(rc), /* no result: rc is all there is */
                  eddy_db_errcode(res));
        if (unavailable) { /* the client may try again: eddy_send_error keeps Retry-After */
            eddy_response_set_header(r, "Retry-After", "1");
            eddy_send_error(r, 503, "The database is unavailable; try again shortly");
        } else {
            eddy_send_error(r, 500, "Database error");
        }
    }
    eddy_db_result_free(res);
}
