// npy.mjs: the bench folder's .npy files (float32, or int64 token ids as int32; little-endian,
// C order) in node.
import { readFileSync } from 'node:fs';

export function readNpy(path) {
  const b = readFileSync(path);
  if (b.readUInt32BE(0) !== 0x934e554d) throw new Error(`${path}: not a .npy file`);
  const hlen = b[6] === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = b[6] === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  const int64 = header.includes("'<i8'");
  if (!int64 && !header.includes("'<f4'")) throw new Error(`${path}: expected float32 or int64, header ${header}`);
  const shape = header.match(/\(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const off = start + hlen;
  const bytes = b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length);
  const data = int64 ? Int32Array.from(new BigInt64Array(bytes), (v) => Number(v)) : new Float32Array(bytes);
  return { shape, data };
}
