"""tornado_fortunes - TechEmpower's "fortunes" page in Tornado, for bench/14-fortunes.sh.

The same page lesson 14 serves at /fortunes: twelve rows held in memory,
one more added per request, sorted by message, rendered through a
tornado.template that extends a layout, every message escaped (Tornado
autoescapes {{ }}). One process, access log off. Runs with Debian's
python3-tornado:

    /usr/bin/python3 bench/tornado_fortunes.py --port 8000
"""
import tornado.template
import tornado.web

import tornado_serve

FORTUNES = [
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. \u2014 Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. \u2014 Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "\u30d5\u30ec\u30fc\u30e0\u30ef\u30fc\u30af\u306e\u30d9\u30f3\u30c1\u30de\u30fc\u30af"),
]

# The rows as dicts, built once, as lesson 14 builds its JSON rows once.
ROWS = [{"id": i, "message": m} for i, m in FORTUNES]

# The same two templates as lessons/14-templates/templates/fortunes*.html.
LOADER = tornado.template.DictLoader({
    "fortunes-layout.html": "<!DOCTYPE html><html><head><title>Fortunes</title></head>"
                            "<body>{% block body %}{% end %}</body></html>\n",
    "fortunes.html": '{% extends "fortunes-layout.html" %}{% block body %}<table><tr><th>id</th>'
                     "<th>message</th></tr>{% for f in fortunes %}<tr><td>{{ f['id'] }}</td>"
                     "<td>{{ f['message'] }}</td></tr>{% end %}</table>{% end %}",
})


class Fortunes(tornado.web.RequestHandler):
    def get(self):
        rows = list(ROWS)
        rows.append({"id": 0, "message": "Additional fortune added at request time."})
        rows.sort(key=lambda f: f["message"])
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.write(LOADER.load("fortunes.html").generate(fortunes=rows))


if __name__ == "__main__":
    tornado_serve.serve([(r"/fortunes", Fortunes)])
