// node_fma.mjs: runs an FMA build (relaxed SIMD) under node, or says why this node cannot.
// node runs relaxed SIMD only behind --experimental-wasm-relaxed-simd, and only node 20 and later
// know its final opcodes (node 18, Debian 12's own, has the flag but the prototype encoding). So
// the probe asks a child node, with the flag, to validate one f32x4.relaxed_madd, as web/main.js
// asks the browser.
//   node node_fma.mjs SCRIPT.js [ARGS...]   exit 77 (skipped) when this node has no relaxed SIMD
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FMA_FLAGS = ['--no-experimental-fetch', '--experimental-wasm-relaxed-simd'];

// true when node, started with FMA_FLAGS, validates a module holding f32x4.relaxed_madd
export function nodeHasRelaxedSimd() {
  const probe = `const z = new Array(16).fill(0), v = [0xfd, 0x0c].concat(z);
    const body = [0x00].concat(v, v, v, [0xfd, 0x85, 0x02, 0x1a, 0x0b]);
    const b = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 0x0a, body.length + 2, 1, body.length].concat(body);
    process.exit(WebAssembly.validate(new Uint8Array(b)) ? 0 : 1);`;
  return spawnSync(process.execPath, [...FMA_FLAGS, '-e', probe], { stdio: 'ignore' }).status === 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!nodeHasRelaxedSimd()) {
    console.log(`skipped: node ${process.version} does not run relaxed SIMD's final opcodes (node 20 or later does, with ${FMA_FLAGS[1]})`);
    process.exit(77);
  }
  const r = spawnSync(process.execPath, [...FMA_FLAGS, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}
