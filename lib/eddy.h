/*
 * eddy.h - everything libeddy offers, in one include.
 *
 * Programs built on the library write `#include <eddy/eddy.h>`; inside the
 * tree the build points <eddy/...> at lib/, and `make install` puts the
 * same headers under include/eddy/, so the include line never changes.
 */
#ifndef EDDY_H
#define EDDY_H

#include <eddy/base/arena.h>
#include <eddy/base/buf.h>
#include <eddy/base/calendar.h>
#include <eddy/base/escape.h>
#include <eddy/base/http_fields.h>
#include <eddy/base/str.h>
#include <eddy/base/url.h>
#include <eddy/base/utf8.h>
#include <eddy/async/coro.h>
#include <eddy/async/future.h>
#include <eddy/web/handler.h>
#include <eddy/http/client.h>
#include <eddy/http/http_parser.h>
#include <eddy/http/websocket_client.h>
#include <eddy/http/websocket_deflate.h>
#include <eddy/http/websocket_frame.h>
#include <eddy/http/websocket_message.h>
#include <eddy/base/log.h>
#include <eddy/http/server.h>
#include <eddy/web/options.h>
#include <eddy/web/router.h>
#include <eddy/web/static.h>
#include <eddy/web/template.h>
#include <eddy/web/render.h>
#include <eddy/web/xsrf.h>
#include <eddy/web/websocket.h>
#include <eddy/web/app_run.h>
#include <eddy/data/db.h>
#include <eddy/data/orm.h>
#include <eddy/data/redis.h>
#include <eddy/data/pubsub.h>
#include <eddy/data/kv.h>
#include <eddy/data/ratelimit.h>
#include <eddy/web/app_db.h>

#endif
