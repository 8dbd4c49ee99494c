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
  const touchMap = { touchstart: ['mousemove', 'mousedown'], touchmove: ['mousemove'], touchend: ['mouseup'], touchcancel: ['mouseup'] };
  for (const type of Object.keys(touchMap)) {
    window.addEventListener(type, function (e) {
      if (e.target !== canvas) return;
      e.preventDefault();
      e.stopPropagation();
      const t = e.changedTouches[0];
      if (t) for (const m of touchMap[type]) forward(m, t);
    }, { capture: true, passive: false });
  }
  window.Module = {
    canvas: canvas,
    print: function (t) { console.log(t); },
    printErr: function (t) { console.warn(t); },
    onAbort: function (what) { fail('Attention Playground stopped: ' + what + '. Reload the page to start again.'); },
    onRuntimeInitialized: function () { status.className = 'hidden'; canvas.focus(); },
  };
  // A read-only hook for tests and tooling: the app's state and the rectangles of named controls.
  window.attnTest = {
    state: function () { return JSON.parse(Module.ccall('attn_state_json', 'string', [], [])); },
    rect: function (name) { return JSON.parse(Module.ccall('attn_control_rect', 'string', ['string'], [String(name)])); },
    explain: function (matrix, head, i, j) {
      return Module.ccall('attn_explain', 'string', ['string', 'number', 'number', 'number'], [String(matrix), head | 0, i | 0, j | 0]);
    },
  };
})();
