"""The playground's page for one view: one self-contained HTML file (the app's script, its
WebAssembly gzipped in base64, the style and the view's tensors inlined), and the iframe that shows
it in a notebook output through `srcdoc`. Nothing is fetched: the output works offline, in a saved
notebook with no kernel running, and in a file written by save_html.
"""
import base64
import gzip
import html
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = ("app.js", "app.wasm", "main.js", "style.css")


def page_dir():
    """Where the built page is: ATTN_PAGE_DIR, else the package's own page/ (make python puts it
    there and into the wheel)."""
    for d in (os.environ.get("ATTN_PAGE_DIR"), os.path.join(HERE, "page")):
        if d and all(os.path.isfile(os.path.join(d, f)) or (f == "app.wasm" and os.path.isfile(os.path.join(d, "app.wasm.gz")))
                     for f in ASSETS):
            return d
    raise RuntimeError("the playground's page is not built into this package: run `make python` in the attention-playground "
                       "repository (it builds the page and copies it here), or set ATTN_PAGE_DIR to a built site folder "
                       "(one holding app.js, app.wasm, main.js and style.css)")


_cache = {}


def assets():
    """(app.js, main.js, style.css, the wasm gzipped in base64), read once per process."""
    d = page_dir()
    if _cache.get("dir") != d:
        read = lambda f: open(os.path.join(d, f), encoding="utf-8").read()
        gz = os.path.join(d, "app.wasm.gz")
        if os.path.isfile(gz):
            wasm = open(gz, "rb").read()
        else:
            wasm = gzip.compress(open(os.path.join(d, "app.wasm"), "rb").read(), 9, mtime=0)
        app = read("app.js")
        if "</script" in app.lower():
            raise RuntimeError(f"{d}/app.js holds '</script': it cannot be inlined in a page")
        _cache.update(dir=d, app=app, main=read("main.js"), style=read("style.css"), wasm=base64.b64encode(wasm).decode("ascii"))
    return _cache


def script_json(value):
    """value as JSON that is safe inside a <script> element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def page_html(payload, state, title):
    a = assets()
    inline = {"state": state, "wasm": a["wasm"], "gzip": True, "payload": payload}
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<link rel=\"icon\" href=\"data:,\">\n"  # no favicon request: nothing is fetched
        f"<title>{html.escape(title)}</title>\n<style>\n{a['style']}\n</style>\n</head>\n"
        "<body data-notebook=\"1\">\n"
        "<canvas id=\"canvas\" tabindex=\"0\" aria-label=\"Attention Playground (interactive canvas)\"></canvas>\n"
        "<div id=\"status\" role=\"status\">Loading Attention Playground…</div>\n"
        f"<script>window.attnInline = {script_json(inline)};</script>\n"
        f"<script>\n{a['main']}\n</script>\n"
        f"<script>\n{a['app']}\n</script>\n"
        "</body>\n</html>\n"
    )


def iframe_html(page, height):
    # srcdoc: the page travels inside the output (classic Notebook, JupyterLab, VS Code and nbconvert's
    # HTML all render it); a data: URL would give the frame an opaque origin and no storage
    return (f"<iframe class=\"attention-playground\" srcdoc=\"{html.escape(page, quote=True)}\" "
            f"style=\"width: 100%; height: {int(height)}px; border: 0;\" loading=\"eager\" "
            "allow=\"clipboard-write\"></iframe>")
