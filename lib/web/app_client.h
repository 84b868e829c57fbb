/*
 * app_client - the application's HTTP client, kept on the app and
 * reached from every handler (the SMS gateway, a payment provider, an
 * API the forum calls on a user's behalf).
 *
 *     eddy_app_set_client(app, eddy_http_client_new(NULL));   the app frees it
 *     ...
 *     static void avatar_get(eddy_req *r)
 *     {
 *         eddy_http_response *resp;
 *         int rc = eddy_http_fetch(eddy_req_client(r), &(eddy_http_request){.url = u}, &resp);
 *         ...
 *     }
 *
 * One client per app means one pool of kept-alive connections and one
 * max_clients limit for all the app's handlers, as Tornado's
 * AsyncHTTPClient is one per IOLoop. A client belongs to the loop of the
 * thread that made it: make it in the process that serves (after
 * eddy_fork_processes), before the server starts. It lives in the app's
 * "eddy.client" slot (handler.h), like the database pool (app_db.h).
 */
#ifndef EDDY_APP_CLIENT_H
#define EDDY_APP_CLIENT_H

#include <eddy/http/client.h>
#include <eddy/web/handler.h>

/* eddy_app_set_client - keep client on the app; eddy_app_free frees it.
 * 0, or -1 with eddy_app_error(); a NULL client (eddy_http_client_new
 * refused) is -1 with a log line, so main() can check one call. */
int eddy_app_set_client(eddy_app *app, eddy_http_client *client);

/* eddy_app_client / eddy_req_client - the app's client (the app serving
 * r), or NULL when none was set. */
eddy_http_client *eddy_app_client(const eddy_app *app);
eddy_http_client *eddy_req_client(const eddy_req *r);

#endif
