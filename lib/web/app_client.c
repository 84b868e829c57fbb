/*
 * app_client - the app's HTTP client in a slot; see app_client.h.
 */
#include <eddy/web/app_client.h>

#include <eddy/base/log.h>

static const char client_slot[] = "eddy.client";

static void free_client(void *client)
{
    eddy_http_client_free(client);
}

int eddy_app_set_client(eddy_app *app, eddy_http_client *client)
{
    if (!client) {
        eddy_error("eddy_app_set_client: no client (was eddy_http_client_new refused?)");
        return -1;
    }
    return eddy_app_set_slot(app, client_slot, client, free_client);
}

eddy_http_client *eddy_app_client(const eddy_app *app)
{
    return eddy_app_slot(app, client_slot);
}

eddy_http_client *eddy_req_client(const eddy_req *r)
{
    return eddy_req_app_slot(r, client_slot);
}
