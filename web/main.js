// main.js: boots the wasm app on the canvas. Reports missing WebGL2 or a failed load in plain
// words, turns touches into mouse events, and exposes a small read-only test hook.
'use strict';
(function () {
  const canvas = document.getElementById('canvas');
  const status = document.getElementById('status');
  function fail(msg) {
    status.textContent = msg;  // textContent: never parsed as HTML
    status.className = 'error';
  }
  if (!canvas.getContext('webgl2')) {
    fail('Attention Playground needs WebGL2, which this browser or device does not provide.');
  }
  // NOTE: emscripten's GLFW ignores touch positions; forward touches as mouse events so taps
  // and drags reach ImGui exactly like clicks (capture phase runs before GLFW's listeners).
  function forward(type, t) {
    canvas.dispatchEvent(new MouseEvent(type, { clientX: t.clientX, clientY: t.clientY, screenX: t.screenX,
      screenY: t.screenY, button: 0, buttons: type === 'mouseup' ? 0 : 1, bubbles: true, cancelable: true }));
  }
  // NOTE: a finger lands without hovering first, and ImGui 1.86 presses a tab only if the pointer
  // was already over it in the frame before (its item-overlap rule): a tap from one tab onto
  // another was ignored. So the pointer moves at once, and the press and everything after it
  // follow one animation frame apart, in order (the app's frame runs first in each).
  const queue = [];
  function pump() {
    const [type, t] = queue.shift();
    forward(type, t);
    if (queue.length) requestAnimationFrame(pump);
  }
  function later(type, t) {
    queue.push([type, { clientX: t.clientX, clientY: t.clientY, screenX: t.screenX, screenY: t.screenY }]);
    if (queue.length === 1) requestAnimationFrame(pump);
  }
  const touchMap = { touchstart: ['mousemove', 'mousedown'], touchmove: ['mousemove'], touchend: ['mouseup'], touchcancel: ['mouseup'] };
  for (const type of Object.keys(touchMap)) {
    window.addEventListener(type, function (e) {
      if (e.target !== canvas) return;
      e.preventDefault();
      e.stopPropagation();
      const t = e.changedTouches[0];
      if (!t) return;
      for (const m of touchMap[type]) {
        if (m === 'mousemove' && queue.length === 0) forward(m, t);
        else later(m, t);
      }
    }, { capture: true, passive: false });
  }
  // The URL fragment is the state: key=value pairs, passed to main() as one argument.
  const embed = document.body.dataset.embed === '1';
  // A notebook's page (the Python package writes it): this script, the app and its wasm inlined in
  // one file, with the view's state and tensors; nothing is fetched
  const inline = window.attnInline || null;
  const initial = inline ? String(inline.state || '') : location.hash.replace(/^#/, '');
  const args = [];
  if (initial.indexOf('=') >= 0) args.push(initial.slice(0, 200000));
  if (embed) args.push('embed=1');
  let published = initial;
  let lastWrite = 0, pending = null;
  // The fragment as the page last saw it. A deferred write that finds another fragment there must
  // not overwrite it: the user (or the host page) has just navigated, and the hashchange event that
  // applies it is already queued behind this write.
  let seenHash = location.hash;
  // Called by the app whenever its state text changes; at most ~4 history writes a second.
  window.attnPublish = function (text) {
    pending = String(text);
    const now = performance.now();
    const write = function () {
      if (pending === null) return;
      if (location.hash !== seenHash) { pending = null; return; }
      published = pending;
      pending = null;
      lastWrite = performance.now();
      try { history.replaceState(null, '', '#' + published); } catch (e) { /* sandboxed iframe */ }
      seenHash = location.hash;
    };
    if (now - lastWrite > 250) write(); else setTimeout(write, 260);
  };
  window.addEventListener('hashchange', function () {
    seenHash = location.hash;
    const h = location.hash.replace(/^#/, '');
    if (h !== published && Module.calledRun) { published = h; Module.ccall('attn_set_state', null, ['string'], [h.slice(0, 200000)]); }
  });
  window.attnOpen = function (url) {
    const u = new URL(String(url), location.href);
    if (u.origin === location.origin) window.open(u.href, '_blank', 'noopener');
  };

  // Files: the picker and drops on the canvas hand bytes to the app, which validates them.
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.accept = '.npy,.csv,.json';
  picker.style.display = 'none';
  document.body.appendChild(picker);
  // Hands a file's bytes to the app's function fn(name, pointer, size), through a copy in the wasm
  // heap that lives for the call; false when the heap cannot hold it.
  function toApp(fn, name, bytes) {
    const ptr = Module._malloc(Math.max(1, bytes.length));
    if (!ptr) return false;
    // the threaded build's memory may have grown on a worker: Module.HEAPU8 can be a view of the
    // old, shorter buffer then, so take a view of the memory as it is now
    const mem = Module.wasmMemory ? Module.wasmMemory.buffer : Module.HEAPU8.buffer;
    new Uint8Array(mem).set(bytes, ptr);
    Module.ccall(fn, null, ['string', 'number', 'number'], [name, ptr, bytes.length]);
    Module._free(ptr);
    return true;
  }
  function importFile(file) {
    if (!file || !Module.calledRun) return;
    if (file.size > 256 * 1024 * 1024) { Module.ccall('attn_import', null, ['string', 'number', 'number'], [file.name, 0, -1]); return; }
    file.arrayBuffer().then(function (buf) { toApp('attn_import', file.name, new Uint8Array(buf)); });
  }
  picker.addEventListener('change', function () { importFile(picker.files[0]); picker.value = ''; });
  window.attnPickFile = function () { picker.click(); };
  // A real model's files (config.json, model.safetensors or its shards, tokenizer.json): read one
  // after another into the Model mode (never two large files in memory at once), then opened.
  const MODEL_FILE_LIMIT = 1536 * 1024 * 1024;  // the wasm heap (2 GB at most) holds the files themselves
  function importModel(files) {
    if (!Module.calledRun) return;
    const list = Array.from(files);
    const big = list.find(function (f) { return f.size > MODEL_FILE_LIMIT; });
    if (big) { Module.ccall('attn_import', null, ['string', 'number', 'number'], [big.name, 0, -1]); return; }
    let chain = Promise.resolve();
    list.forEach(function (file) {
      chain = chain.then(function () { return file.arrayBuffer(); }).then(function (buf) {
        if (!toApp('attn_model_file', file.name, new Uint8Array(buf))) throw new Error('out of memory for ' + file.name);
      });
    });
    chain.then(function () { Module.ccall('attn_model_open', 'number', [], []); })
      .catch(function (err) { Module.ccall('attn_import', null, ['string', 'number', 'number'], [String(err.message || err), 0, -1]); });
  }
  // A model by its Hugging Face name: https://huggingface.co/NAME/resolve/main/FILE (the layout
  // transformers.js uses), each file from this browser's Cache Storage when a visit kept it, else
  // streamed with its progress, then kept. A Cancel aborts the fetch. Gated models (401/403) say so.
  const HUB = 'https://huggingface.co/';
  let modelAbort = null;
  window.attnCancelFetch = function () { if (modelAbort) modelAbort.abort(); modelAbort = null; };
  window.attnFetchModel = async function (name) {
    const ctrl = new AbortController();
    modelAbort = ctrl;
    const base = HUB + name + '/resolve/main/';
    const done = function (ok, msg) { Module.ccall('attn_model_fetched', null, ['number', 'string'], [ok ? 1 : 0, msg]); };
    let before = 0;
    try {
      const cache = ('caches' in window) ? await caches.open('attn-models-v1').catch(function () { return null; }) : null;
      const get = async function (file, optional) {
        const url = base + file;
        const hit = cache ? await cache.match(url) : null;
        let bytes;
        if (hit) {
          bytes = new Uint8Array(await hit.arrayBuffer());
          Module.ccall('attn_model_progress', null, ['string', 'number', 'number', 'number'], [file, bytes.length, bytes.length, before]);
        } else {
          const r = await fetch(url, { signal: ctrl.signal });
          if (r.status === 401 || r.status === 403)
            throw new Error(name + ' is gated or private (HTTP ' + r.status + '): accept its license on huggingface.co, download its files there and pick them here (a token never goes into this page)');
          if (r.status === 404) { if (optional) return null; throw new Error(file + ' is not in ' + name + ' (HTTP 404)'); }
          if (!r.ok) throw new Error(file + ': HTTP ' + r.status);
          const total = Number(r.headers.get('content-length')) || 0;
          if (total > MODEL_FILE_LIMIT) throw new Error(file + ' is ' + Math.round(total / 1048576) + ' MB: too large for this page (at most ' + Math.round(MODEL_FILE_LIMIT / 1048576) + ' MB a file)');
          const reader = r.body.getReader();
          const chunks = [];
          let got = 0, last = 0;
          for (;;) {
            const step = await reader.read();
            if (step.done) break;
            chunks.push(step.value);
            got += step.value.length;
            if (got - last > 1048576 || got === total) {
              last = got;
              Module.ccall('attn_model_progress', null, ['string', 'number', 'number', 'number'], [file, got, Math.max(total, got), before]);
            }
          }
          bytes = new Uint8Array(got);
          let at = 0;
          for (const c of chunks) { bytes.set(c, at); at += c.length; }
          if (cache) await cache.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })).catch(function () {});
        }
        before += bytes.length;
        if (!toApp('attn_model_file', file, bytes)) throw new Error('out of memory for ' + file + ' (' + Math.round(bytes.length / 1048576) + ' MB)');
        return bytes;
      };
      await get('config.json', false);
      if (!(await get('tokenizer.json', true))) { await get('vocab.json', true); await get('merges.txt', true); }
      const index = await get('model.safetensors.index.json', true);
      if (index) {
        const map = JSON.parse(new TextDecoder().decode(index)).weight_map || {};
        const shards = Array.from(new Set(Object.values(map)));
        for (const s of shards) await get(s, false);
      } else {
        await get('model.safetensors', false);
      }
      if (ctrl.signal.aborted) return;
      if (modelAbort === ctrl) modelAbort = null;
      done(true, name);
    } catch (err) {
      if (ctrl.signal.aborted) return;  // cancelled: the page already went back
      if (modelAbort === ctrl) modelAbort = null;
      done(false, String(err && err.message || err));
    }
  };
  const modelPicker = document.createElement('input');
  modelPicker.type = 'file';
  modelPicker.multiple = true;
  modelPicker.accept = '.json,.safetensors,.txt';
  modelPicker.style.display = 'none';
  document.body.appendChild(modelPicker);
  modelPicker.addEventListener('change', function () { importModel(modelPicker.files); modelPicker.value = ''; });
  window.attnPickModel = function () { modelPicker.click(); };
  canvas.addEventListener('dragover', function (e) { e.preventDefault(); });
  canvas.addEventListener('drop', function (e) {
    e.preventDefault();
    const files = e.dataTransfer ? e.dataTransfer.files : [];
    if (!files.length) return;
    const names = Array.from(files).map(function (f) { return f.name; });
    if (files.length > 1 || names.indexOf('config.json') >= 0) importModel(files);  // a checkpoint
    else importFile(files[0]);
  });

  // Tensors for a view (payload.cpp): meta describes them, bytes holds them. Returns what is wrong,
  // or '' when the view shows them.
  function loadPayload(meta, bytes) {
    const ptr = Module._malloc(Math.max(1, bytes.length));
    if (!ptr) return 'out of memory for ' + bytes.length + ' bytes of tensors';
    const mem = Module.wasmMemory ? Module.wasmMemory.buffer : Module.HEAPU8.buffer;
    new Uint8Array(mem).set(bytes, ptr);
    const err = Module.ccall('attn_load', 'string', ['string', 'number', 'number'], [JSON.stringify(meta), ptr, bytes.length]);
    Module._free(ptr);
    return err;
  }
  // A checkpoint folder by the notebook server's own file URLs (the notebook package's ap.model):
  // the notebook's page is /BASE/notebooks/DIR/NB.ipynb (classic) or /BASE/lab/tree/DIR/NB.ipynb
  // (JupyterLab), and its server serves /BASE/files/PATH. Returns what went wrong, or ''.
  async function openServerFiles(meta) {
    let where = null;
    try { where = window.parent.location.pathname; } catch (e) { /* another origin */ }
    const m = where && /^(.*?\/)(?:notebooks|tree|(?:lab|doc)\/(?:workspaces\/[^/]+\/)?tree)\/(.*)$/.exec(where);
    if (!m) return 'it is read through a Jupyter server\'s /files/ URLs, and this page was not opened from one (an exported or ' +
      'trusted-off notebook, or an editor without a server): open the notebook in Jupyter Notebook or JupyterLab';
    const nb = decodeURIComponent(m[2]);
    const dir = meta.relative_to === 'root' ? '' : nb.slice(0, Math.max(0, nb.lastIndexOf('/')));
    const enc = function (p) { return p.split('/').filter(Boolean).map(encodeURIComponent).join('/'); };
    const base = m[1] + 'files/' + (dir ? enc(dir) + '/' : '') + enc(String(meta.folder)) + '/';
    for (const file of meta.files || []) {
      const r = await fetch(base + encodeURIComponent(file));
      if (!r.ok) return file + ': HTTP ' + r.status + ' from ' + base;
      if (!toApp('attn_model_file', file, new Uint8Array(await r.arrayBuffer()))) return 'out of memory for ' + file;
    }
    if (!Module.ccall('attn_model_open', 'number', [], [])) return JSON.parse(Module.ccall('attn_model_json', 'string', [], [])).error;
    const st = 'mode=model&layer=' + (meta.layer | 0) + '&head=' + (meta.head | 0) + (meta.text ? '&text=' + encodeURIComponent(meta.text) : '');
    Module.ccall('attn_set_state', null, ['string'], [st]);
    return '';
  }
  // fn once the app has drawn its first frame (main() has run: its state exists)
  function whenReady(fn) {
    const poll = function () {
      if (Module.calledRun && JSON.parse(Module.ccall('attn_state_json', 'string', [], [])).frames >= 1) fn();
      else setTimeout(poll, 30);
    };
    poll();
  }
  function bytesOf(data) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return null;
  }

  // Host-page API (postMessage). Only these shapes are accepted; anything else is ignored.
  function stateObject() {
    const out = {};
    for (const pair of Module.ccall('attn_get_state', 'string', [], []).split('&')) {
      const i = pair.indexOf('=');
      if (i > 0) out[pair.slice(0, i)] = decodeURIComponent(pair.slice(i + 1));
    }
    return out;
  }
  function stateText(obj) {
    const parts = [];
    for (const k of Object.keys(obj).slice(0, 64)) {
      const v = obj[k];
      if (!/^[A-Za-z]{1,16}$/.test(k)) continue;
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
      parts.push(k + '=' + encodeURIComponent(String(typeof v === 'boolean' ? (v ? 1 : 0) : v)).slice(0, 60000));
    }
    return parts.join('&');
  }
  const host = window.parent !== window ? window.parent : null;
  function reply(e, msg) { try { e.source.postMessage(msg, e.origin === 'null' ? '*' : e.origin); } catch (err) { /* gone */ } }
  window.addEventListener('message', function (e) {
    const d = e.data;
    if (!Module.calledRun || !e.source || typeof d !== 'object' || d === null || Array.isArray(d) || typeof d.type !== 'string') return;
    if (d.type === 'attn:set-state' && typeof d.state === 'object' && d.state !== null && !Array.isArray(d.state)) {
      Module.ccall('attn_set_state', null, ['string'], [stateText(d.state)]);
    } else if (d.type === 'attn:get-state' && (typeof d.id === 'string' || typeof d.id === 'number')) {
      reply(e, { type: 'attn:state', id: d.id, state: stateObject() });
    } else if (d.type === 'attn:step' && Number.isInteger(d.delta)) {
      Module.ccall('attn_step', null, ['number'], [d.delta]);
    } else if (d.type === 'attn:load' && typeof d.meta === 'object' && d.meta !== null && bytesOf(d.data)) {
      const error = loadPayload(d.meta, bytesOf(d.data));
      reply(e, { type: 'attn:loaded', id: d.id, error: error });
    }
  });
  if (host) {
    let lastHeight = 0;
    const tell = function () {
      const s = JSON.parse(Module.ccall('attn_state_json', 'string', [], []));
      if (s.frames < 1) return;
      if (!tell.ready) { tell.ready = true; host.postMessage({ type: 'attn:ready' }, '*'); }
      if (s.content_height && Math.abs(s.content_height - lastHeight) > 2) {
        lastHeight = s.content_height;
        host.postMessage({ type: 'attn:resize', height: Math.ceil(s.content_height) }, '*');
      }
    };
    setInterval(function () { if (Module.calledRun) tell(); }, 250);
  }

  window.Module = {
    canvas: canvas,
    arguments: args,
    print: function (t) { console.log(t); },
    printErr: function (t) { console.warn(t); },
    onAbort: function (what) { fail('Attention Playground stopped: ' + what + '. Reload the page to start again.'); },
    onRuntimeInitialized: function () {
      status.className = 'hidden';
      // an embed must not steal focus or scroll its host page; the full page takes keys at once
      if (!embed && window.parent === window) canvas.focus({ preventScroll: true });
    },
  };
  // A read-only hook for tests and tooling: the app's state and the rectangles of named controls.
  window.attnTest = {
    state: function () { return JSON.parse(Module.ccall('attn_state_json', 'string', [], [])); },
    rect: function (name) { return JSON.parse(Module.ccall('attn_control_rect', 'string', ['string'], [String(name)])); },
    explain: function (matrix, head, i, j) {
      return Module.ccall('attn_explain', 'string', ['string', 'number', 'number', 'number'], [String(matrix), head | 0, i | 0, j | 0]);
    },
    memoryFailure: function () { return Module.ccall('attn_test_memory_failure', 'string', [], []); },
    compare: function () { return JSON.parse(Module.ccall('attn_compare_json', 'string', [], [])); },
    train: function () { return JSON.parse(Module.ccall('attn_train_json', 'string', [], [])); },
    model: function () { return JSON.parse(Module.ccall('attn_model_json', 'string', [], [])); },
  };

  // The engine: the threaded build (app_mt.js) needs SharedArrayBuffer, which browsers give only to
  // cross-origin isolated pages (served with COOP and COEP headers, as `make serve` does); every
  // other page, and any page where app_mt.js fails to load, gets the single-threaded app.js. So do
  // embeds: their threads would serve only the Long n panel and the recompute's largest products,
  // and a post with three embeds would start nine workers.
  // Each comes in two builds: *_fma.js has kernels with relaxed SIMD's fused multiply-add, which
  // engines without relaxed SIMD (Safari, older browsers) refuse to compile; they get the SIMD128
  // build. The test: does this engine validate a module holding one f32x4.relaxed_madd? The scripts
  // are tried in order until one loads: FMA, then SIMD128, then (threaded page) the one-thread app.
  function load(chain) {
    const script = document.createElement('script');
    script.src = chain[0];
    script.onerror = function () {
      if (chain.length > 1) load(chain.slice(1));
      else fail('Attention Playground could not load ' + chain[0] + '. Check the connection and reload the page.');
    };
    document.body.appendChild(script);
  }
  if (inline) {
    // the wasm comes from the page itself (base64, gzipped when the browser can unzip), and the
    // view's tensors are applied once the app runs; app.js follows this script inline
    Module.instantiateWasm = function (imports, done) {
      const raw = Uint8Array.from(atob(inline.wasm), function (c) { return c.charCodeAt(0); });
      const bytes = inline.gzip ? new Response(new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer() : Promise.resolve(raw);
      bytes.then(function (b) { return WebAssembly.instantiate(b, imports); })
        .then(function (r) { done(r.instance, r.module); })
        .catch(function (err) { fail('Attention Playground could not start: ' + (err && err.message || err)); });
      return {};
    };
    if (inline.payload) {
      whenReady(function () {
        const meta = inline.payload.meta;
        const done = function (error) {
          window.attnPayloadError = error;
          if (error) fail('Attention Playground could not show ' + (meta.view === 'files' ? 'the checkpoint: ' : 'these tensors: ') + error);
        };
        if (meta.view === 'files') { openServerFiles(meta).then(done, function (e) { done(String(e && e.message || e)); }); return; }
        done(loadPayload(meta, Uint8Array.from(atob(inline.payload.data || ''), function (c) { return c.charCodeAt(0); })));
      });
    }
    return;
  }
  const fma = relaxedSimd() && !/[?&]kernels=simd128(&|$)/.test(location.search);
  const threads = !embed && window.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  const chain = threads ? ['app_mt.js', 'app.js'] : ['app.js'];
  load(fma ? [chain[0].replace('.js', '_fma.js')].concat(chain) : chain);
  function relaxedSimd() {
    // (func (drop (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))))
    const zero = new Array(16).fill(0), v128 = [0xfd, 0x0c].concat(zero);
    const body = [0x00].concat(v128, v128, v128, [0xfd, 0x85, 0x02, 0x1a, 0x0b]);
    const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
      0x03, 0x02, 0x01, 0x00, 0x0a, body.length + 2, 0x01, body.length].concat(body);
    try { return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(bytes)); } catch (e) { return false; }
  }
})();
