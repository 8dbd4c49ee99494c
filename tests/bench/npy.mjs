// npy.mjs: the bench folder's .npy files (2-D float32, little-endian, C order) in node.
import { readFileSync } from 'node:fs';

export function readNpy(path) {
  const b = readFileSync(path);
  if (b.readUInt32BE(0) !== 0x934e554d) throw new Error(`${path}: not a .npy file`);
  const hlen = b[6] === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = b[6] === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  if (!header.includes("'<f4'")) throw new Error(`${path}: expected float32, header ${header}`);
  const shape = header.match(/\(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const off = start + hlen;
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length));
  return { shape, data };
}
