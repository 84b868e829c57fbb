/*
 * api_accounts - the accounts API: SMS codes, registration, login, profile,
 * avatar, password, and a user's groups, questions and answers.
 */
#include "forum.h"
#include "models.h"

int forum_routes_accounts(eddy_app *app, forum *f)
{
    (void)app;
    (void)f;
    return 0;
}
