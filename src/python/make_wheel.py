"""make python: puts the built page (and the attn CLI, which check() runs for its dict) into the
package, then writes the wheel by hand (a wheel is a zip with a dist-info folder), so that building
it needs nothing beyond Python itself: no setuptools download, no network.

    python3 src/python/make_wheel.py SITE_DIR ATTN_CLI OUT_DIR
"""
import base64
import gzip
import hashlib
import os
import platform
import shutil
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join(HERE, "attention_playground")
NAME, VERSION = "attention_playground", "0.1.0"


def fill_package(site, cli):
    page = os.path.join(PKG, "page")
    os.makedirs(page, exist_ok=True)
    for f in ("app.js", "main.js", "style.css"):
        shutil.copyfile(os.path.join(site, f), os.path.join(page, f))
    # gzipped here once (mtime 0: the same bytes every build); the page unzips it in the browser
    with open(os.path.join(site, "app.wasm"), "rb") as f:
        wasm = f.read()
    with open(os.path.join(page, "app.wasm.gz"), "wb") as f:
        f.write(gzip.compress(wasm, 9, mtime=0))
    stale = os.path.join(page, "app.wasm")
    if os.path.exists(stale):
        os.remove(stale)
    bindir = os.path.join(PKG, "bin")
    os.makedirs(bindir, exist_ok=True)
    shutil.copyfile(cli, os.path.join(bindir, "attn"))
    os.chmod(os.path.join(bindir, "attn"), 0o755)


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def write_wheel(out):
    # the CLI inside is a native executable: the wheel is for this platform
    tag = f"py3-none-linux_{platform.machine()}"
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{NAME}-{VERSION}-{tag}.whl")
    dist = f"{NAME}-{VERSION}.dist-info"
    readme = open(os.path.join(HERE, "README.md"), encoding="utf-8").read()
    meta = (f"Metadata-Version: 2.1\nName: attention-playground\nVersion: {VERSION}\n"
            "Summary: Attention Playground inside Jupyter: model view, head view, stepper and checker on your tensors, offline\n"
            "License: MIT\nRequires-Python: >=3.8\nRequires-Dist: numpy\n"
            f"Description-Content-Type: text/markdown\n\n{readme}")
    wheel = f"Wheel-Version: 1.0\nGenerator: attention-playground make_wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n"
    records = []
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, data, mode=0o644):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            records.append(record_line(name, data))
        for root, dirs, files in os.walk(PKG):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for f in sorted(files):
                full = os.path.join(root, f)
                rel = os.path.relpath(full, HERE).replace(os.sep, "/")
                add(rel, open(full, "rb").read(), 0o755 if rel.endswith("bin/attn") else 0o644)
        add(f"{dist}/METADATA", meta.encode())
        add(f"{dist}/WHEEL", wheel.encode())
        records.append(f"{dist}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist}/RECORD", date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = 0o100644 << 16
        z.writestr(info, "\n".join(records) + "\n")
    os.replace(path + ".tmp", path)
    return path


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    site, cli, out = argv[1:]
    for need in ("app.js", "app.wasm", "main.js", "style.css"):
        if not os.path.isfile(os.path.join(site, need)):
            sys.exit(f"make_wheel: {site} has no {need}: build the web app first (make web)")
    if not os.path.isfile(cli):
        sys.exit(f"make_wheel: {cli} does not exist: build the CLI first (make cli)")
    fill_package(site, cli)
    print("wrote", write_wheel(out))


if __name__ == "__main__":
    main(sys.argv)
