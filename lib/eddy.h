/*
 * eddy.h - everything libeddy offers, in one include.
 *
 * Programs built on the library write `#include <eddy/eddy.h>`; inside the
 * tree the build points <eddy/...> at lib/, and `make install` puts the
 * same headers under include/eddy/, so the include line never changes.
 */
#ifndef EDDY_H
#define EDDY_H

#include "arena.h"
#include "buf.h"
#include "coro.h"
#include "future.h"
#include "handler.h"
#include "http_parser.h"
#include "log.h"
#include "server.h"
#include "options.h"
#include "router.h"
#include "static.h"
#include "template.h"
#include "render.h"

#endif
