// onnx_graph.mjs: builds the ONNX model onnxruntime-web runs, as protobuf bytes written by hand
// (field numbers from onnx.proto), so the bench needs neither Python nor protoc.
// The graph is the decomposed attention every exporter emits: MatMul, Mul, Softmax, MatMul.

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, v) => [...key(field, 0), ...varint(v)];
const bytes = (field, b) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field, s) => bytes(field, [...Buffer.from(s, 'utf8')]);

// ValueInfoProto: float tensor with a fixed shape
function valueInfo(name, shape) {
  const dims = shape.map((d) => bytes(1, int(1, d))).flat();
  const tensorType = [...int(1, 1), ...bytes(2, dims)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}
function attrInts(name, values) {
  return [...str(1, name), ...values.map((v) => int(8, v)).flat(), ...int(20, 7)];
}
function attrInt(name, v) {
  return [...str(1, name), ...int(3, v), ...int(20, 2)];
}
function node(op, inputs, outputs, attrs = []) {
  return [...inputs.map((i) => str(1, i)).flat(), ...outputs.map((o) => str(2, o)).flat(), ...str(4, op),
    ...attrs.map((a) => bytes(5, a)).flat()];
}
function tensorF32(name, dims, values) {
  const raw = [...new Uint8Array(new Float32Array(values).buffer)];
  return [...dims.map((d) => int(1, d)).flat(), ...int(2, 1), ...str(8, name), ...bytes(9, raw)];
}
function tensorI64(name, values) {
  const raw = [...new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer)];
  return [...int(1, values.length), ...int(2, 7), ...str(8, name), ...bytes(9, raw)];
}

// inputs: q, k, v (n, H d) or x (n, dm) + wq, wk, wv, wo (dm, dm); mask (n, n) additive if causal
export function attentionModel({ n, d, heads, causal, proj }) {
  const dm = heads * d;
  const nodes = [], inits = [], inputs = [];
  inits.push(tensorF32('scale', [], [1 / Math.sqrt(d)]));
  let q = 'q', k = 'k', v = 'v';
  if (proj) {
    inputs.push(valueInfo('x', [n, dm]));
    for (const w of ['wq', 'wk', 'wv', 'wo']) inputs.push(valueInfo(w, [dm, dm]));
    nodes.push(node('MatMul', ['x', 'wq'], ['qp']), node('MatMul', ['x', 'wk'], ['kp']), node('MatMul', ['x', 'wv'], ['vp']));
    [q, k, v] = ['qp', 'kp', 'vp'];
  } else {
    for (const t of ['q', 'k', 'v']) inputs.push(valueInfo(t, [n, dm]));
  }
  if (causal) inputs.push(valueInfo('mask', [n, n]));
  nodes.push(node('Mul', [q, 'scale'], ['qs']));
  let out;
  if (heads === 1) {
    nodes.push(node('Transpose', [k], ['kt'], [attrInts('perm', [1, 0])]));
    nodes.push(node('MatMul', ['qs', 'kt'], ['s']));
    out = 'o';
  } else {
    inits.push(tensorI64('split', [n, heads, d]), tensorI64('merge', [n, dm]));
    nodes.push(node('Reshape', ['qs', 'split'], ['q3']), node('Transpose', ['q3'], ['qh'], [attrInts('perm', [1, 0, 2])]));
    nodes.push(node('Reshape', [k, 'split'], ['k3']), node('Transpose', ['k3'], ['kh'], [attrInts('perm', [1, 2, 0])]));
    nodes.push(node('Reshape', [v, 'split'], ['v3']), node('Transpose', ['v3'], ['vh'], [attrInts('perm', [1, 0, 2])]));
    nodes.push(node('MatMul', ['qh', 'kh'], ['s']));
  }
  let s = 's';
  if (causal) { nodes.push(node('Add', ['s', 'mask'], ['sm'])); s = 'sm'; }
  nodes.push(node('Softmax', [s], ['p'], [attrInt('axis', -1)]));
  if (heads === 1) {
    nodes.push(node('MatMul', ['p', v], [proj ? 'o' : 'out']));
  } else {
    nodes.push(node('MatMul', ['p', 'vh'], ['oh']), node('Transpose', ['oh'], ['o3'], [attrInts('perm', [1, 0, 2])]));
    nodes.push(node('Reshape', ['o3', 'merge'], [proj ? 'o' : 'out']));
  }
  if (proj) nodes.push(node('MatMul', ['o', 'wo'], ['out']));
  out = 'out';
  const graph = [...nodes.map((nd) => bytes(1, nd)).flat(), ...str(2, 'attention'), ...inits.map((t) => bytes(5, t)).flat(),
    ...inputs.map((i) => bytes(11, i)).flat(), ...bytes(12, valueInfo(out, [n, dm]))];
  const model = [...int(1, 8), ...str(2, 'attention-playground-bench'), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 17)])];
  return new Uint8Array(model);
}
