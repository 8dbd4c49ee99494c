"""The Python package (src/python/attention_playground): its argument checking, the tensors'
round trip into the payload the page reads, save_html's one self-contained file, and check()'s
dict against numpy-computed attention. Run by make test with PYTHONPATH=src/python and ATTN_CLI.
"""
import base64
import gzip
import json
import os
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import attention_playground as ap
from attention_playground import _tensors

RNG = np.random.default_rng(7)


def causal_attention(L=2, H=3, T=5, B=1):
    a = np.tril(RNG.random((L, B, H, T, T)) + 0.05)
    return a / a.sum(-1, keepdims=True)


def attention_numpy(q, k, v, scale, causal):
    """(B, H, n, d) softmax attention in float64, from the definition."""
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        n_q, n_k = s.shape[-2:]
        s = np.where(np.tril(np.ones((n_q, n_k), bool)), s, -np.inf)
    w = np.exp(s - s.max(-1, keepdims=True))
    return (w / w.sum(-1, keepdims=True)) @ v


# ---- argument checking: every refusal names the argument and the shape it got

def test_attention_rank_is_named():
    with pytest.raises(ValueError, match=r"attention has shape \(5, 5\).*\(layers, heads, T, T\)"):
        ap.model_view(np.ones((5, 5)))
    with pytest.raises(ValueError, match=r"attention\[1\] has shape \(5,\)"):
        ap.model_view([np.ones((1, 2, 5, 5)), np.ones(5)])


def test_mismatched_T_between_layers_and_tokens():
    a = causal_attention()
    with pytest.raises(ValueError, match=r"attention\[1\] is \(3, 4, 4\) but attention\[0\] is \(3, 5, 5\)"):
        ap.model_view([a[0], np.ones((1, 3, 4, 4)) / 4])
    with pytest.raises(ValueError, match=r"4 tokens for 5 positions"):
        ap.model_view(a[:, 0], ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=r"last two sizes .* must be equal"):
        ap.model_view(np.ones((1, 2, 3, 4)))
    with pytest.raises(TypeError, match="list of strings"):
        ap.head_view(a[:, 0], "one string")


def test_nan_is_located():
    a = causal_attention()[:, 0].copy()
    a[1, 2, 3, 0] = np.nan
    with pytest.raises(ValueError, match=r"attention holds NaN at index \(1, 2, 3, 0\)"):
        ap.model_view(a)
    q = RNG.standard_normal((1, 2, 4, 3))
    k = q.copy()
    k[0, 1, 2, 2] = np.inf
    with pytest.raises(ValueError, match=r"k holds an infinity at index \(1, 2, 2\)"):
        ap.stepper(q, k, q)


def test_layouts():
    q = RNG.standard_normal((2, 3, 4, 5))      # (B, H, n, d)
    base = _tensors.unpack(ap.stepper(q, q, q, batch=1).payload)[1]["q"]
    assert np.array_equal(base, q[1].astype(np.float32))
    bnhd = np.transpose(q, (0, 2, 1, 3))      # (B, n, H, d)
    assert np.array_equal(_tensors.unpack(ap.stepper(bnhd, bnhd, bnhd, layout="bnhd", batch=1).payload)[1]["q"], base)
    assert np.array_equal(_tensors.unpack(ap.stepper(q[1], q[1], q[1], layout="hnd").payload)[1]["q"], base)
    nd = _tensors.unpack(ap.stepper(q[1, 2], q[1, 2], q[1, 2], layout="nd").payload)[1]["q"]
    assert nd.shape == (1, 4, 5) and np.array_equal(nd[0], base[2])
    with pytest.raises(ValueError, match=r"q has shape \(3, 4, 5\), 3 dimensions; layout='bhnd' means \(batch, heads, n, d\)"):
        ap.stepper(q[0], q[0], q[0])
    with pytest.raises(ValueError, match="layout='bhdn': use one of"):
        ap.stepper(q, q, q, layout="bhdn")
    with pytest.raises(ValueError, match=r"batch=2, but q \(2, 3, 4, 5\) has 2 batch element"):
        ap.stepper(q, q, q, batch=2)


def test_grouped_heads_and_their_limits():
    q = RNG.standard_normal((1, 4, 3, 2))
    kv = RNG.standard_normal((1, 2, 3, 2))
    meta, t = _tensors.unpack(ap.stepper(q, kv, kv).payload)
    assert t["q"].shape == (4, 3, 2) and t["k"].shape == (2, 3, 2)
    with pytest.raises(ValueError, match="4 query heads cannot share 3 key/value heads"):
        ap.stepper(q, np.ones((1, 3, 3, 2)), np.ones((1, 3, 3, 2)))
    with pytest.raises(ValueError, match="q's d_k is 2 but k's is 5"):
        ap.stepper(q, np.ones((1, 2, 3, 5)), np.ones((1, 2, 3, 5)))


def test_options():
    q = RNG.standard_normal((1, 1, 3, 2))
    meta, t = _tensors.unpack(ap.stepper(q, q, q, mask="causal", scale=0.25).payload)
    assert meta["mask"] == "causal" and meta["scale"] == 0.25 and meta["view"] == "stepper"
    m = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 1]], bool)
    meta, t = _tensors.unpack(ap.stepper(q, q, q, mask=m).payload)
    assert np.array_equal(t["mask"], m.astype(np.float32))
    with pytest.raises(ValueError, match=r"mask has shape \(2, 3\); the scores are \(3, 3\)"):
        ap.stepper(q, q, q, mask=np.ones((2, 3)))
    with pytest.raises(ValueError, match="mask='upper'"):
        ap.stepper(q, q, q, mask="upper")
    with pytest.raises(ValueError, match="scale must be a positive finite number"):
        ap.stepper(q, q, q, scale=-1)
    with pytest.raises(ValueError, match="precision='fp8'"):
        ap.check(q, q, q, q, precision="fp8")


def test_include_and_the_size_limit():
    a = causal_attention(L=4, H=5)[:, 0]
    meta, t = _tensors.unpack(ap.model_view(a, include_layers=[3, 1], include_heads=[-1], layer=1, head=4).payload)
    assert np.array_equal(t["attention"], a[np.ix_([3, 1], [4])].astype(np.float32))
    assert meta["layer_names"] == [3, 1] and meta["head_names"] == [4] and meta["layer"] == 1 and meta["head"] == 0
    with pytest.raises(ValueError, match="include_layers: layer 4 does not exist"):
        ap.model_view(a, include_layers=[4])
    with pytest.raises(ValueError, match="layer=0 is not among the layers shown"):
        ap.model_view(a, include_layers=[2])
    big = np.full((12, 12, 200, 200), 1 / 200)
    with pytest.raises(ValueError, match=r"5,760,000 values .* at most 4,194,304\. Pass include_layers"):
        ap.model_view(big)
    ap.model_view(big, include_layers=[0, 1, 2])  # under the limit once cut down


# ---- the round trip into the payload

def test_round_trip_float32_and_float16():
    a = causal_attention()
    toks = ["x", "y", "z", "x", "y"]
    v = ap.model_view(tuple(a), toks)            # a tuple of (B, H, T, T), as Hugging Face returns it
    meta, t = _tensors.unpack(v.payload)
    assert meta["view"] == "model" and meta["tokens"] == toks
    assert np.array_equal(t["attention"], a[:, 0].astype(np.float32))
    assert meta["tensors"]["attention"] == {"shape": [2, 3, 5, 5], "dtype": "float32", "offset": 0}
    meta, t = _tensors.unpack(ap.head_view(a[:, 0], toks, dtype="float16").payload)
    assert meta["view"] == "head" and meta["tensors"]["attention"]["dtype"] == "float16"
    assert np.array_equal(t["attention"], a[:, 0].astype(np.float16).astype(np.float32))
    # several tensors: each at its own 4-byte aligned offset
    q = RNG.standard_normal((1, 1, 3, 3))
    meta, t = _tensors.unpack(ap.stepper(q, q[..., :1, :], q[..., :1, :], dtype="float16").payload)
    offs = [meta["tensors"][n]["offset"] for n in ("q", "k", "v")]
    assert offs == [0, 20, 28] and np.array_equal(t["k"], q[0, :, :1].astype(np.float16).astype(np.float32))


def test_torch_tensors_are_read_without_copies_of_torch_in_the_package():
    torch = pytest.importorskip("torch")
    a = torch.tensor(causal_attention())
    meta, t = _tensors.unpack(ap.model_view(tuple(a)).payload)
    assert np.array_equal(t["attention"], a[:, 0].numpy().astype(np.float32))
    out = subprocess.run([sys.executable, "-c", "import sys, attention_playground; print('torch' in sys.modules)"],
                         capture_output=True, text=True, env=dict(os.environ), check=True)
    assert out.stdout.strip() == "False"  # importing the package does not import torch


# ---- save_html: one file, nothing outside it

def test_save_html_is_one_self_contained_file(tmp_path):
    a = causal_attention()[:, 0]
    path = ap.model_view(a, list("abcde")).save_html(str(tmp_path / "view.html"))
    assert os.listdir(tmp_path) == ["view.html"]
    page = open(path, encoding="utf-8").read()
    assert not re.search(r"<script[^>]*\bsrc\s*=", page), "a script is loaded from outside"
    assert not re.search(r"<link[^>]*href\s*=\s*\"(?!data:)", page), "a stylesheet or icon is loaded from outside"
    assert not re.search(r"url\((?!data:)|@import|<iframe", page)
    # the wasm inside is the built one, and the tensors are there
    inline = json.loads(re.search(r"window\.attnInline = (\{.*?\});</script>", page, re.S).group(1))
    wasm = gzip.decompress(base64.b64decode(inline["wasm"]))
    assert wasm[:4] == b"\0asm"
    meta, t = _tensors.unpack(inline["payload"])
    assert np.array_equal(t["attention"], a.astype(np.float32))
    # inline in a notebook: the same page in an iframe's srcdoc, escaped
    html = ap.model_view(a)._repr_html_()
    assert html.startswith("<iframe") and "srcdoc=\"&lt;!doctype html&gt;" in html and "<script" not in html


# ---- check(): the engine's verdict as a dict

@pytest.mark.skipif(not os.environ.get("ATTN_CLI"), reason="needs the attn CLI (ATTN_CLI)")
def test_check_names_a_missing_scale_and_passes_a_right_output():
    q, k, v = (RNG.standard_normal((1, 2, 6, 4)) for _ in range(3))
    right = attention_numpy(q, k, v, 0.5, causal=True)
    r = ap.check(q, k, v, right, mask="causal")
    assert r["verdict"] == "PASS" and r["pass"] is True and r["causes"] == []
    wrong = attention_numpy(q, k, v, 1.0, causal=True)   # forgot 1/sqrt(d_k)
    r = ap.check(q, k, v, wrong, mask="causal")
    assert r["verdict"] == "FAIL" and r["causes"][0] == "no-scale"
    err = np.abs(wrong - right)[0]
    h, i, j = np.unravel_index(np.argmax(err), err.shape)
    assert r["worst"] == (0, h, i, j) and r["max_abs"] == pytest.approx(err.max(), rel=1e-6)
    # the view opens the worst head, with the same tensors
    meta, t = _tensors.unpack(r.payload)
    assert meta["view"] == "check" and np.array_equal(t["out"], wrong[0, h].astype(np.float32))
    # a softmax over the wrong axis (the queries) is named too
    s = q @ np.swapaxes(k, -1, -2) * 0.5
    w = np.exp(s - s.max(-2, keepdims=True))
    r = ap.check(q, k, v, (w / w.sum(-2, keepdims=True)) @ v)
    assert r["verdict"] == "FAIL" and r["causes"][0] == "softmax-axis"


def test_the_wheel_carries_the_page_and_imports(tmp_path):
    wheels = [f for f in os.listdir(os.environ.get("ATTN_WHEEL_DIR", "../../build/python")) if f.endswith(".whl")] \
        if os.path.isdir(os.environ.get("ATTN_WHEEL_DIR", "../../build/python")) else []
    if not wheels:
        pytest.skip("no wheel built (make python)")
    wheel = os.path.join(os.environ.get("ATTN_WHEEL_DIR", "../../build/python"), sorted(wheels)[-1])
    names = zipfile.ZipFile(wheel).namelist()
    for need in ("attention_playground/__init__.py", "attention_playground/page/app.wasm.gz", "attention_playground/page/app.js",
                 "attention_playground/bin/attn", "attention_playground-0.1.0.dist-info/RECORD"):
        assert need in names
    zipfile.ZipFile(wheel).extractall(tmp_path)
    os.chmod(tmp_path / "attention_playground" / "bin" / "attn", 0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ATTN_CLI", "ATTN_PAGE_DIR")}
    env["PYTHONPATH"] = str(tmp_path)
    code = ("import numpy as np, attention_playground as ap; q = np.eye(3)[None, None]; "
            "r = ap.check(q, q, q, q); print(ap.__file__, r['verdict'], len(ap.model_view(np.ones((1, 1, 2, 2)) / 2).page()) > 10**6)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    path, verdict, big = out.stdout.split()
    assert path.startswith(str(tmp_path)) and verdict == "FAIL" and big == "True"


def test_model_folder_checks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="is not a folder"):
        ap.model(tmp_path / "missing")
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(ValueError, match="has no config.json"):
        ap.model("ckpt")
    (tmp_path / "ckpt" / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="has no .safetensors weights"):
        ap.model("ckpt")
    (tmp_path / "ckpt" / "model.safetensors").write_bytes(b"\0" * 8)
    (tmp_path / "ckpt" / "notes.md").write_text("not sent")
    meta, t = _tensors.unpack(ap.model("ckpt", text="Hi", head=3).payload)
    assert meta["view"] == "files" and meta["folder"] == "ckpt" and meta["relative_to"] == "notebook" and t == {}
    assert meta["files"] == ["config.json", "model.safetensors"] and meta["text"] == "Hi" and meta["head"] == 3
    outside = tmp_path.parent / (tmp_path.name + "-elsewhere")
    outside.mkdir()
    (outside / "config.json").write_text("{}")
    (outside / "model.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match="is outside .* /files/ URLs reach only what is under its root"):
        ap.model(outside)
    meta, _ = _tensors.unpack(ap.model(outside, root=tmp_path.parent).payload)
    assert meta["relative_to"] == "root" and meta["folder"] == outside.name


@pytest.mark.skipif(not any(os.path.exists(p) for p in ("/usr/bin/chromium", "/usr/bin/google-chrome")), reason="no Chromium")
def test_to_png_draws_the_view(tmp_path):
    a = causal_attention()[:, 0]
    path = ap.head_view(a, list("abcde")).to_png(str(tmp_path / "view.png"), width=900, height=500)
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (w, h) == (900, 500)
    assert len(data) > 20000, "the screenshot is nearly empty: the view did not draw"
