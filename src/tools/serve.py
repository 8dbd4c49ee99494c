#!/usr/bin/env python3
"""serve.py: serves the static site the way `make serve` needs it. Like `python3 -m http.server`,
plus the two headers that make the page cross-origin isolated (COOP same-origin, COEP
require-corp): only then do browsers give it SharedArrayBuffer, and web/main.js loads the
threaded build. Every file the site loads is its own, so require-corp blocks nothing.
  python3 src/tools/serve.py PORT DIR"""
import functools
import http.server
import sys


class IsolatedHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit():
        sys.exit("usage: serve.py PORT DIR")
    handler = functools.partial(IsolatedHandler, directory=sys.argv[2])
    with http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler) as httpd:
        httpd.serve_forever()


if __name__ == "__main__":
    main()
