// embed-demo.js: how a blog drives its embeds: buttons send attn:set-state, and each iframe's
// attn:resize message sets its height. Only messages from our own frames are trusted.
'use strict';
(function () {
  const frames = Array.from(document.querySelectorAll('iframe'));
  window.addEventListener('message', function (e) {
    const d = e.data;
    const frame = frames.find(function (f) { return f.contentWindow === e.source; });
    if (!frame || typeof d !== 'object' || d === null) return;
    if (d.type === 'attn:resize' && Number.isFinite(d.height)) {
      frame.style.height = Math.max(240, Math.min(1200, Math.round(d.height))) + 'px';
    }
  });
  const mask = document.getElementById('embed-mask');
  function setMask(kind) { mask.contentWindow.postMessage({ type: 'attn:set-state', state: { mask: kind, stage: 5 } }, location.origin); }
  document.getElementById('causal-on').addEventListener('click', function () { setMask('causal'); });
  document.getElementById('causal-off').addEventListener('click', function () { setMask('none'); });
})();
