"""The tensors a view is handed: checked, brought to one layout, and packed for the page.

Every refusal is a ValueError (or TypeError) whose message names the argument, what it got and what
was expected, so that a notebook user sees at once what to change.
"""
import base64
import json
import math

import numpy as np

# The most values one view carries (its tensors together). Past it the page would be a large
# download inside the notebook file; say so and how to cut it down.
MAX_VALUES = 4 * 1024 * 1024

LAYOUTS = {
    # layout: (rank, the axes of (batch, head, n, d) in the tensor; None = absent)
    "bhnd": (4, (0, 1, 2, 3)),
    "bnhd": (4, (0, 2, 1, 3)),
    "hnd": (3, (None, 0, 1, 2)),
    "nd": (2, (None, None, 0, 1)),
}


def as_array(x, name):
    """x (numpy array, torch tensor, nested lists) as a float64 numpy array; torch is only touched
    when handed a torch tensor, so it is never imported otherwise."""
    if x is None:
        raise ValueError(f"{name} is None")
    mod = type(x).__module__ or ""
    if mod.startswith("torch"):
        x = x.detach().to("cpu").double().numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be an array of numbers (numpy, torch or nested lists): {e}") from None
    return a


def finite(a, name):
    bad = ~np.isfinite(a)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(a[where]) else "an infinity"
        raise ValueError(f"{name} holds {kind} at index {where} ({int(bad.sum())} non-finite values in all)")
    return a


def shape_text(shape):
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def attention_stack(attention, batch=0):
    """Hugging Face's outputs.attentions (a tuple of (B, H, T, T), one per layer), a list of
    (H, T, T), or one array (L, H, T, T) or (L, B, H, T, T): as (L, H, T, T)."""
    if isinstance(attention, (tuple, list)):  # one entry per layer
        if not attention:
            raise ValueError("attention is empty: no layers")
        layers = []
        for i, layer in enumerate(attention):
            a = as_array(layer, f"attention[{i}]")
            if a.ndim == 4:
                if not 0 <= batch < a.shape[0]:
                    raise ValueError(f"batch={batch}, but attention[{i}] {shape_text(a.shape)} has {a.shape[0]} batch element(s)")
                a = a[batch]
            if a.ndim != 3:
                raise ValueError(f"attention[{i}] has shape {shape_text(a.shape)}: each layer must be (batch, heads, T, T) "
                                 "as Hugging Face returns it, or (heads, T, T)")
            if layers and a.shape != layers[0].shape:
                raise ValueError(f"attention[{i}] is {shape_text(a.shape)} but attention[0] is {shape_text(layers[0].shape)}: "
                                 "every layer needs the same heads and tokens (mismatched T?)")
            layers.append(a)
        a = np.stack(layers)
    else:
        a = as_array(attention, "attention")
        if a.ndim == 5:
            if not 0 <= batch < a.shape[1]:
                raise ValueError(f"batch={batch}, but attention {shape_text(a.shape)} has {a.shape[1]} batch element(s)")
            a = a[:, batch]
        if a.ndim != 4:
            raise ValueError(f"attention has shape {shape_text(a.shape)}: expected a tuple of (batch, heads, T, T) per layer "
                             "(outputs.attentions) or an array (layers, heads, T, T)")
    L, H, T, T2 = a.shape
    if T != T2:
        raise ValueError(f"attention is {shape_text(a.shape)}: the last two sizes (queries, keys) must be equal (mismatched T)")
    return finite(a, "attention")


def pick(indices, count, what):
    """include_layers / include_heads: a list of indices (negative from the end) into count."""
    if indices is None:
        return list(range(count))
    if isinstance(indices, int):
        indices = [indices]
    out = []
    for i in indices:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"include_{what}s must hold whole numbers (got {i!r})")
        j = int(i) + count if i < 0 else int(i)
        if not 0 <= j < count:
            raise ValueError(f"include_{what}s: {what} {i} does not exist (there are {count}: 0 to {count - 1})")
        if j not in out:
            out.append(j)
    if not out:
        raise ValueError(f"include_{what}s is empty: nothing would be shown")
    return out


def token_list(tokens, n, what="tokens"):
    if tokens is None:
        return [str(i) for i in range(n)]
    if isinstance(tokens, str):
        raise TypeError(f"{what} must be a list of strings, one per position (got one string; split it or tokenize it first)")
    toks = [str(t) for t in tokens]
    if len(toks) != n:
        raise ValueError(f"{len(toks)} {what} for {n} positions: give one token per position (mismatched T)")
    return toks


def heads_of(x, name, layout, batch):
    """One tensor in layout as (H, n, d)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r}: use one of " + ", ".join(repr(k) for k in LAYOUTS))
    a = as_array(x, name)
    rank, (b, h, n, d) = LAYOUTS[layout]
    if a.ndim != rank:
        want = {"bhnd": "(batch, heads, n, d)", "bnhd": "(batch, n, heads, d)", "hnd": "(heads, n, d)", "nd": "(n, d)"}[layout]
        raise ValueError(f"{name} has shape {shape_text(a.shape)}, {a.ndim} dimensions; layout={layout!r} means {want}")
    if b is not None:
        if not 0 <= batch < a.shape[b]:
            raise ValueError(f"batch={batch}, but {name} {shape_text(a.shape)} has {a.shape[b]} batch element(s)")
        a = np.take(a, batch, axis=b)
        # the remaining axes, renumbered
        h, n, d = [x - (x > b) for x in (h, n, d)]
    if h is None:
        a = a[None]
        n, d, h = n + 1, d + 1, 0
    return np.ascontiguousarray(np.transpose(a, (h, n, d)))


def mask_option(mask, n_q, n_k, meta, tensors):
    if mask is None or (isinstance(mask, str) and mask == "none"):
        meta["mask"] = "none"
    elif isinstance(mask, str):
        if mask not in ("causal", "causal-bottom-right"):
            raise ValueError(f"mask={mask!r}: use None, 'causal', 'causal-bottom-right' or an (n_q, n_k) array (True = may attend)")
        meta["mask"] = mask
    else:
        m = as_array(mask, "mask")
        if m.shape != (n_q, n_k):
            raise ValueError(f"mask has shape {shape_text(m.shape)}; the scores are ({n_q}, {n_k}) (queries, keys)")
        tensors["mask"] = (m != 0).astype(np.float32)


def scale_option(scale, meta):
    if scale is None or scale == "auto":
        return
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise TypeError(f"scale must be a number or None (1/sqrt(d_k)); got {scale!r}") from None
    if not math.isfinite(s) or s <= 0:
        raise ValueError(f"scale must be a positive finite number (got {scale!r})")
    meta["scale"] = s


def pack(meta, tensors, dtype="float32"):
    """meta (JSON-able) and {name: array}: the payload the page reads (payload.cpp) as
    {"meta": ..., "data": base64}. Each tensor is stored little-endian, 4-byte aligned."""
    if dtype not in ("float32", "float16"):
        raise ValueError(f"dtype={dtype!r}: use 'float32' or 'float16'")
    total = sum(int(np.prod(a.shape)) for a in tensors.values())
    if total > MAX_VALUES:
        parts = ", ".join(f"{k} {shape_text(a.shape)}" for k, a in tensors.items())
        raise ValueError(f"this view would carry {total:,} values ({parts}); a view holds at most {MAX_VALUES:,}. "
                         "Pass include_layers=[...] or include_heads=[...], or use a shorter text")
    meta = dict(meta)
    described = {}
    blobs = []
    at = 0
    for name, a in tensors.items():
        # the mask is 0/1: exact in either width; the others in the width asked for
        raw = np.ascontiguousarray(a, dtype="<f2" if dtype == "float16" else "<f4").tobytes()
        described[name] = {"shape": [int(s) for s in a.shape], "dtype": dtype, "offset": at}
        blobs.append(raw)
        at += len(raw)
        pad = (-at) % 4
        blobs.append(b"\0" * pad)
        at += pad
    meta["tensors"] = described
    return {"meta": meta, "data": base64.b64encode(b"".join(blobs)).decode("ascii")}


def unpack(payload):
    """The inverse of pack, for tests: (meta, {name: float32 array})."""
    data = base64.b64decode(payload["data"])
    out = {}
    for name, t in payload["meta"]["tensors"].items():
        dt = np.dtype("<f2") if t["dtype"] == "float16" else np.dtype("<f4")
        count = int(np.prod(t["shape"]))
        out[name] = np.frombuffer(data, dt, count, t["offset"]).astype(np.float32).reshape(t["shape"])
    return payload["meta"], out


def meta_json(meta):
    return json.dumps(meta, separators=(",", ":"))
