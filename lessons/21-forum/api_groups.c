/*
 * api_groups - the groups API: list, create, detail, edit, delete, apply,
 * review applications.
 */
#include "forum.h"
#include "models.h"

int forum_routes_groups(eddy_app *app, forum *f)
{
    (void)app;
    (void)f;
    return 0;
}
