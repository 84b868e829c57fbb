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
#include <eddy/base/codec.h>
#include <eddy/base/crypto.h>
#include <eddy/base/escape.h>
#include <eddy/base/http_fields.h>
#include <eddy/base/str.h>
#include <eddy/base/sniff.h>
#include <eddy/base/url.h>
#include <eddy/base/utf8.h>
#include <eddy/async/coro.h>
#include <eddy/async/future.h>
#include <eddy/web/handler.h>
#include <eddy/http/client.h>
#include <eddy/http/http_parser.h>
#include <eddy/http/multipart.h>
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
#include <eddy/web/password.h>
#include <eddy/web/secure_cookie.h>
#include <eddy/web/jwt.h>
#include <eddy/web/auth.h>
#include <eddy/web/security.h>
#include <eddy/web/cors.h>
#include <eddy/web/throttle.h>
#include <eddy/web/form.h>
#include <eddy/web/websocket.h>
#include <eddy/web/app_run.h>
#include <eddy/web/app_dir.h>
#include <eddy/data/db.h>
#include <eddy/data/file.h>
#include <eddy/data/orm.h>
#include <eddy/data/redis.h>
#include <eddy/data/pubsub.h>
#include <eddy/data/kv.h>
#include <eddy/data/ratelimit.h>
#include <eddy/web/app_db.h>
#include <eddy/data/sms.h>
#include <eddy/data/sms_code.h>
#include <eddy/web/app_client.h>
#include <eddy/web/app_sms.h>
#include <eddy/web/body.h>

#endif
