"""Attention Playground in a notebook.

    import attention_playground as ap
    ap.model_view(outputs.attentions, tokens)          # every layer x head, as small maps
    ap.head_view(outputs.attentions, tokens)           # token lines, heads coloured
    ap.stepper(q=q, k=k, v=v, tokens=tokens)           # one or more heads in the 8-stage stepper
    r = ap.check(q=q, k=k, v=v, out=mine)              # the verdict inline, and as a dict
    ap.model("checkpoints/gpt2", text="The capital of France is")  # a checkpoint in the Model mode
    view.save_html("view.html")                        # one self-contained file

Each view is the playground's own page (its WebAssembly included) inside the output, with the
tensors: it works offline and in a notebook reopened with no kernel. numpy is required; torch
tensors are accepted (and torch is imported only when one is handed in).
"""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

from . import _page, _tensors
from ._tensors import MAX_VALUES

__all__ = ["model_view", "head_view", "stepper", "check", "model", "View", "CheckResult", "MAX_VALUES"]
__version__ = "0.1.0"


class _Shows:
    """What every view can do: show itself inline, be saved as one HTML file, or as a PNG."""

    height = 760

    def page(self):
        """The view as one self-contained HTML page (text)."""
        return _page.page_html(self.payload, self.state, self.title)

    def _repr_html_(self):
        return _page.iframe_html(self.page(), self.height)

    def save_html(self, path):
        """Writes the view as one HTML file with everything inside (no network, no server)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.page())
        return path

    def to_png(self, path, width=1280, height=None):
        """A screenshot of the view by headless Chromium or Chrome, when one is installed."""
        exe = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                    if shutil.which(n)), None)
        if not exe:
            raise RuntimeError("to_png needs Chromium or Chrome on PATH; save_html(path) and a browser's screenshot do the same")
        with tempfile.TemporaryDirectory() as d:
            page = os.path.join(d, "view.html")
            self.save_html(page)
            cmd = [exe, "--headless=new", "--hide-scrollbars", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                   f"--window-size={int(width)},{int(height or self.height)}", "--virtual-time-budget=20000",
                   f"--user-data-dir={os.path.join(d, 'profile')}", f"--screenshot={os.path.abspath(path)}", "file://" + page]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
            if r.returncode != 0 or not os.path.isfile(path):
                raise RuntimeError(f"{exe} could not take the screenshot: {r.stderr.strip()[-400:]}")
        return path


class View(_Shows):
    """One view of the playground on the tensors handed in (displayed when it is a cell's result)."""

    def __init__(self, kind, meta, tensors, state, title, dtype="float32", height=760):
        self.kind = kind
        self.payload = _tensors.pack(dict(meta, view=kind), tensors, dtype)
        self.state = state
        self.title = title
        self.height = height

    def __repr__(self):
        return f"<attention_playground {self.kind} view: {self.title}>"


def _attention_view(kind, attention, tokens, include_layers, include_heads, layer, head, batch, dtype, height, title):
    a = _tensors.attention_stack(attention, batch)
    L, H, T, _ = a.shape
    layers = _tensors.pick(include_layers, L, "layer")
    heads = _tensors.pick(include_heads, H, "head")
    toks = _tensors.token_list(tokens, T)
    a = a[np.ix_(layers, heads)]
    if layer not in layers:
        raise ValueError(f"layer={layer} is not among the layers shown ({layers})")
    if head not in heads:
        raise ValueError(f"head={head} is not among the heads shown ({heads})")
    meta = {"tokens": toks, "layer_names": layers, "head_names": heads, "layer": layers.index(layer),
            "head": heads.index(head), "title": title or ""}
    return View(kind, meta, {"attention": a}, "mode=model", title or f"{kind} view of {L} layers × {H} heads", dtype, height)


def model_view(attention, tokens=None, include_layers=None, include_heads=None, *, layer=0, head=0, batch=0,
               dtype="float32", height=760, title=None):
    """Every layer × head as a small attention map, labelled with the pattern it shows
    (previous-token, induction, first-token/sink, self, uniform); one head in full and its token lines.

    attention: Hugging Face's outputs.attentions (a tuple of (batch, heads, T, T), one per layer), or
    an array (layers, heads, T, T). tokens: one string per position. include_layers / include_heads:
    the indices to show. dtype "float16" halves what the view carries."""
    return _attention_view("model", attention, tokens, include_layers, include_heads, layer, head, batch, dtype, height, title)


def head_view(attention, tokens=None, include_layers=None, include_heads=None, *, layer=0, head=0, batch=0,
              dtype="float32", height=760, title=None):
    """BertViz's head view: the token lines of a layer's heads, each head in its colour (click the
    coloured squares to add or remove heads, hover a key for each head's weight). Arguments as model_view."""
    return _attention_view("head", attention, tokens, include_layers, include_heads, layer, head, batch, dtype, height, title)


def _qkv(q, k, v, layout, batch):
    Q = _tensors.finite(_tensors.heads_of(q, "q", layout, batch), "q")
    K = _tensors.finite(_tensors.heads_of(k, "k", layout, batch), "k")
    V = _tensors.finite(_tensors.heads_of(v, "v", layout, batch), "v")
    if K.shape[:2] != V.shape[:2]:
        raise ValueError(f"k is {_tensors.shape_text(K.shape)} and v is {_tensors.shape_text(V.shape)} as (heads, n, d): "
                         "they need the same heads and keys")
    if Q.shape[2] != K.shape[2]:
        raise ValueError(f"q's d_k is {Q.shape[2]} but k's is {K.shape[2]}")
    if Q.shape[0] % K.shape[0]:
        raise ValueError(f"{Q.shape[0]} query heads cannot share {K.shape[0]} key/value heads evenly (grouped-query attention "
                         "needs heads divisible by kv heads)")
    return Q, K, V


def stepper(q, k, v, tokens=None, layout="bhnd", mask=None, scale=None, *, batch=0, head=0, stage=5, dtype="float32",
            height=760, title=None):
    """Real Q, K, V in the 8-stage stepper: scores, scaling, mask, softmax (and its alternatives),
    weights, output, with every cell's arithmetic on hover and the backward stages.

    layout: "bhnd" (batch, heads, n, d), "bnhd" (batch, n, heads, d), "hnd" or "nd". k and v may
    have fewer heads than q (grouped-query attention). mask: None, "causal", "causal-bottom-right"
    or an (n_q, n_k) array (True = may attend). scale: None for 1/sqrt(d_k), or a number."""
    Q, K, V = _qkv(q, k, v, layout, batch)
    H, n_q, _ = Q.shape
    if not 0 <= head < H:
        raise ValueError(f"head={head}, but q has {H} head(s)")
    meta = {"tokens": _tensors.token_list(tokens, n_q) if tokens is not None else [], "head": head, "stage": int(stage)}
    if tokens is not None and K.shape[1] != n_q:
        raise ValueError(f"tokens label the queries and keys of self-attention; here n_q={n_q} and n_k={K.shape[1]} "
                         "(cross-attention): leave tokens out")
    tensors = {"q": Q, "k": K, "v": V}
    _tensors.mask_option(mask, n_q, K.shape[1], meta, tensors)
    _tensors.scale_option(scale, meta)
    name = title or f"{H} head(s), {n_q} queries, {K.shape[1]} keys, d_k {Q.shape[2]}"
    return View("stepper", meta, tensors, "stage=5", name, dtype, height)


def _find_cli():
    for c in (os.environ.get("ATTN_CLI"), os.path.join(_page.HERE, "bin", "attn"), shutil.which("attn")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


class CheckResult(dict, _Shows):
    """The checker's verdict as a dict (verdict, pass, worst, causes, tensors, tolerance, notes),
    shown inline as the playground's Check tab on the worst head."""

    def __init__(self, verdict, payload, title):
        dict.__init__(self, verdict)
        self.payload = payload
        self.state = "stage=6"
        self.title = title
        self.kind = "check"

    def __repr__(self):
        return dict.__repr__(self)


def check(q, k, v, out, dout=None, dq=None, dk=None, dv=None, *, tokens=None, layout="bhnd", mask=None, scale=None,
          precision="fp32", batch=0, head=None, atol=None, rtol=None, height=760):
    """Is your attention right? Compares out (and, given dout, your dq, dk, dv) with a float64
    reference under a tolerance derived from the precision you computed in, and on a mismatch
    names the well-known bug that explains it (no scale, a causal mask off by one, softmax over the
    wrong axis, ...). Returns the verdict as a dict, displayed inline as the Check tab on the head
    with the largest error (or head=)."""
    if precision not in ("fp32", "fp16", "bf16"):
        raise ValueError(f"precision={precision!r}: use 'fp32', 'fp16' or 'bf16' (what your kernel computed in)")
    Q, K, V = _qkv(q, k, v, layout, batch)
    H, n_q, dk_ = Q.shape
    O = _tensors.heads_of(out, "out", layout, batch)  # may hold NaN: the checker reports where
    if O.shape != (H, n_q, V.shape[2]):
        raise ValueError(f"out is {_tensors.shape_text(O.shape)} as (heads, n, d); ({H}, {n_q}, {V.shape[2]}) expected "
                         "(q's heads and queries, v's width)")
    grads = {}
    for name, x, like in (("dout", dout, O), ("dq", dq, Q), ("dk", dk, K), ("dv", dv, V)):
        if x is None:
            continue
        g = _tensors.heads_of(x, name, layout, batch)
        if g.shape != like.shape:
            raise ValueError(f"{name} is {_tensors.shape_text(g.shape)} as (heads, n, d); {_tensors.shape_text(like.shape)} expected")
        grads[name] = g
    if (dq is not None or dk is not None or dv is not None) and dout is None:
        raise ValueError("dq, dk and dv need dout: the gradient at the output they were computed from")
    verdict = _run_cli(Q, K, V, O, grads, mask, scale, precision, atol, rtol)
    h = head
    if h is None:
        worst = verdict.get("worst")
        h = worst[1] if worst and not verdict.get("pass", True) else 0
    if not 0 <= h < H:
        raise ValueError(f"head={h}, but q has {H} head(s)")
    g = h // (H // K.shape[0])
    meta = {"tokens": _tensors.token_list(tokens, n_q) if tokens is not None else [], "precision": precision,
            "source": f"from Python, head {h} of {H}" + (f" (kv head {g})" if K.shape[0] != H else "")}
    tensors = {"q": Q[h], "k": K[g], "v": V[g], "out": O[h]}
    for name, x in grads.items():
        tensors[name] = x[h] if name in ("dout", "dq") else x[g]
    _tensors.mask_option(mask, n_q, K.shape[1], meta, tensors)
    _tensors.scale_option(scale, meta)
    payload = _tensors.pack(dict(meta, view="check"), tensors, "float32")
    return CheckResult(verdict, payload, f"check of head {h}: {verdict.get('verdict') or 'see the view'}")


def _run_cli(Q, K, V, O, grads, mask, scale, precision, atol, rtol):
    """The engine's own checker (the attn CLI) on every head: the dict check() returns."""
    cli = _find_cli()
    if not cli:
        return {"verdict": None, "pass": None, "worst": None, "causes": [], "tensors": [], "notes": [],
                "error": "no attn CLI was found (ATTN_CLI, the package's bin/attn, or attn on PATH): the verdict is in the view only"}
    with tempfile.TemporaryDirectory() as d:
        def save(name, a):
            p = os.path.join(d, name + ".npy")
            np.save(p, np.ascontiguousarray(a[None], dtype=np.float64))  # (1, H, n, d): bhnd
            return p
        cmd = [cli, "check", "--q", save("q", Q), "--k", save("k", K), "--v", save("v", V), "--out", save("out", O),
               "--dtype", precision, "--json", os.path.join(d, "verdict.json"), "--layout", "bhnd"]
        if K.shape[0] != Q.shape[0]:
            cmd += ["--kv-heads", str(K.shape[0])]
        for name, g in grads.items():
            cmd += ["--" + name, save(name, g)]
        if isinstance(mask, str) and mask != "none":
            cmd += ["--mask", "causal:bottom-right" if mask == "causal-bottom-right" else "causal"]
        elif mask is not None and not isinstance(mask, str):
            m = os.path.join(d, "mask.npy")
            np.save(m, (_tensors.as_array(mask, "mask") != 0).astype(np.float64))
            cmd += ["--mask", m]
        if scale is not None and scale != "auto":
            cmd += ["--scale", repr(float(scale))]
        if atol is not None:
            cmd += ["--atol", repr(float(atol))]
        if rtol is not None:
            cmd += ["--rtol", repr(float(rtol))]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        path = os.path.join(d, "verdict.json")
        if r.returncode == 2 or not os.path.isfile(path):
            raise ValueError("the checker refused the tensors: " + (r.stderr.strip() or r.stdout.strip())[-600:])
        v = json.load(open(path, encoding="utf-8"))
    out = next((t for t in v["tensors"] if t["name"] == "output"), v["tensors"][0] if v["tensors"] else None)
    return {"verdict": "PASS" if v["pass"] else "FAIL", "pass": v["pass"],
            "worst": tuple(out["worst"]) if out else None, "max_abs": out["max_abs"] if out else None,
            "causes": [c["id"] for c in v["causes"]], "cause_sentences": [c["sentence"] for c in v["causes"]],
            "tensors": v["tensors"], "tolerance": v["tolerance"], "notes": v["notes"]}


_MODEL_FILES = ("config.json", "tokenizer.json", "vocab.json", "merges.txt", "model.safetensors.index.json")


def model(folder, text=None, *, root=None, layer=0, head=0, height=760):
    """A Hugging Face checkpoint folder (config.json, model.safetensors or its shards, tokenizer.json
    or vocab.json + merges.txt) in the Model mode, run in the view on text. The weights are not put
    into the notebook: the view reads them through the notebook server's own file URLs (/files/...),
    so the folder must be under the server's root. root: that root when it is not the notebook's
    own folder's ancestor chain (by default paths are taken relative to the notebook's folder, the
    kernel's working directory)."""
    folder = os.path.abspath(os.fspath(folder))
    if not os.path.isdir(folder):
        raise ValueError(f"{folder} is not a folder (a checkpoint's folder holds config.json and model.safetensors)")
    names = sorted(os.listdir(folder))
    if "config.json" not in names:
        raise ValueError(f"{folder} has no config.json: it is not a Hugging Face checkpoint folder")
    files = [n for n in names if n in _MODEL_FILES or n.endswith(".safetensors")]
    if not any(n.endswith(".safetensors") for n in files):
        raise ValueError(f"{folder} has no .safetensors weights (model.safetensors, or shards with model.safetensors.index.json)")
    base = os.path.abspath(root) if root is not None else os.getcwd()
    rel = os.path.relpath(folder, base)
    if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
        raise ValueError(f"{folder} is outside {base}, so the notebook server cannot hand its files to the view (its "
                         "/files/ URLs reach only what is under its root). Move or link the folder under the notebook's "
                         "folder, or pass root= the server's root if the folder is under it")
    meta = {"folder": rel.replace(os.sep, "/"), "relative_to": "root" if root is not None else "notebook", "files": files,
            "text": "" if text is None else str(text), "layer": int(layer), "head": int(head)}
    return View("files", meta, {}, "mode=model", f"model view of {os.path.basename(folder)}", "float32", height)
