/**
 * A seeded mutator for ONNX model bytes, for the malformed-model fuzz tests.
 *
 * Two levels:
 * - byte level: bit flips, truncation, splices, and protobuf length prefixes
 *   (varints of length-delimited fields, found by walking the wire format)
 *   rewritten to larger or smaller values;
 * - message level: the bytes are decoded into a ModelProto, one structural
 *   fault is planted (huge or negative dims, raw_data of the wrong size, wrong
 *   dtypes, cycles, dangling names, duplicates, self-calling functions, bad
 *   attributes, ...), and the message is encoded again.
 *
 * Every mutation is a pure function of the input bytes and the Rng state, so a
 * failing case is reproduced from its seed alone.
 */
import Long from 'long';
import { attr, fn, graph, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { ModelProtoType } from '../../src/onnx/schema.js';
import { AttributeType, type GraphProto, type ModelProto, type TensorProto } from '../../src/onnx/types.js';
import type { Rng } from '../../src/train/rng.js';

export interface Mutation {
  /** what was done, for failure messages */
  kind: string;
  bytes: Uint8Array;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)]!;
}

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

// ---------------------------------------------------------------------------
// Wire format

/** A length-delimited field: where its length varint sits and what it declares. */
export interface LengthPrefix {
  /** offset of the first byte of the length varint */
  at: number;
  /** bytes the varint occupies */
  size: number;
  /** the declared payload length */
  length: number;
}

function readVarint(b: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return undefined;
    const byte = b[pos++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: pos };
  }
  return undefined;
}

/**
 * Walks [start, end) as protobuf wire format, recording every length prefix;
 * payloads that themselves parse as messages are walked too (to `depth`).
 * Returns false when the range is not a well-formed message.
 */
function walk(b: Uint8Array, start: number, end: number, depth: number, out: LengthPrefix[]): boolean {
  let pos = start;
  const found: LengthPrefix[] = [];
  while (pos < end) {
    const tag = readVarint(b, pos, end);
    if (!tag || tag.value < 8) return false;
    pos = tag.next;
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = readVarint(b, pos, end);
      if (!v) return false;
      pos = v.next;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else if (wire === 2) {
      const len = readVarint(b, pos, end);
      if (!len || len.next + len.value > end) return false;
      found.push({ at: pos, size: len.next - pos, length: len.value });
      if (depth > 0 && len.value > 0) {
        const nested: LengthPrefix[] = [];
        if (walk(b, len.next, len.next + len.value, depth - 1, nested)) found.push(...nested);
      }
      pos = len.next + len.value;
    } else {
      return false;
    }
    if (pos > end) return false;
  }
  out.push(...found);
  return true;
}

/** Every length prefix of a serialized message, outermost first, nested up to 6 levels. */
export function lengthPrefixes(bytes: Uint8Array): LengthPrefix[] {
  const out: LengthPrefix[] = [];
  walk(bytes, 0, bytes.length, 6, out);
  return out;
}

/** The varint encoding of a non-negative integer below 2^64. */
export function encodeVarint(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at), 0);
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

function field(num: number, payload: Uint8Array): Uint8Array {
  const tag = encodeVarint(BigInt((num << 3) | 2));
  const len = encodeVarint(BigInt(payload.length));
  const out = new Uint8Array(tag.length + len.length + payload.length);
  out.set(tag, 0);
  out.set(len, tag.length);
  out.set(payload, tag.length + len.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const utf8 = new TextEncoder();

/**
 * A ModelProto (IR 8, opset 17) whose graph is an If node whose then_branch
 * is an If node ... `depth` times: 3·depth nested messages, written directly
 * in wire format since encoders refuse to go past their recursion limit.
 */
export function deeplyNestedModel(depth: number): Uint8Array {
  // building is quadratic in depth, and the result depends on depth alone
  const cached = nestedCache.get(depth);
  if (cached) return cached.slice();
  let graphBytes: Uint8Array = new Uint8Array(0);
  for (let d = 0; d < depth; d++) {
    const attribute = concat(field(1, utf8.encode('then_branch')), Uint8Array.from([0xa0, 0x01, 0x05]), field(6, graphBytes));
    const nodeBytes = concat(field(1, utf8.encode('c')), field(2, utf8.encode('b')), field(4, utf8.encode('If')), field(5, attribute));
    graphBytes = field(1, nodeBytes);
  }
  const opsetImport = concat(field(1, new Uint8Array(0)), Uint8Array.from([0x10, 17]));
  const bytes = concat(Uint8Array.from([0x08, 8]), field(7, graphBytes), field(8, opsetImport));
  nestedCache.set(depth, bytes);
  return bytes.slice();
}

const nestedCache = new Map<number, Uint8Array>();

type ByteMutator = (b: Uint8Array, rng: Rng) => { kind: string; bytes: Uint8Array };

const byteMutators: Record<string, ByteMutator> = {
  'bit-flips': (b, rng) => {
    const out = b.slice();
    const flips = int(rng, 1, 8);
    for (let i = 0; i < flips; i++) {
      const at = int(rng, 0, out.length - 1);
      out[at]! ^= 1 << int(rng, 0, 7);
    }
    return { kind: `${flips} bit flips`, bytes: out };
  },
  truncate: (b, rng) => {
    const keep = rng.next() < 0.3 ? int(rng, 0, 64) : int(rng, 0, b.length - 1);
    return { kind: `truncated to ${keep} bytes`, bytes: b.slice(0, keep) };
  },
  'overwrite-bytes': (b, rng) => {
    const out = b.slice();
    const at = int(rng, 0, out.length - 1);
    const n = Math.min(int(rng, 1, 16), out.length - at);
    const value = pick(rng, [0x00, 0xff, 0x80, -1]);
    for (let i = 0; i < n; i++) out[at + i] = value < 0 ? rng.nextUint32() & 0xff : value;
    return { kind: `${n} bytes at ${at} set to ${value < 0 ? 'random' : value}`, bytes: out };
  },
  'delete-range': (b, rng) => {
    const at = int(rng, 0, b.length - 1);
    const n = Math.min(int(rng, 1, 64), b.length - at);
    return { kind: `deleted ${n} bytes at ${at}`, bytes: splice(b, at, n, new Uint8Array(0)) };
  },
  'duplicate-range': (b, rng) => {
    const at = int(rng, 0, b.length - 1);
    const n = Math.min(int(rng, 1, 256), b.length - at);
    return { kind: `duplicated ${n} bytes at ${at}`, bytes: splice(b, at, 0, b.slice(at, at + n)) };
  },
  'inflate-length': (b, rng) => {
    const prefixes = lengthPrefixes(b);
    if (prefixes.length === 0) return byteMutators['bit-flips']!(b, rng);
    const p = pick(rng, prefixes);
    const target = pick(rng, [
      BigInt(p.length + 1), BigInt(p.length + int(rng, 2, 100)), BigInt(p.length * 2 + 64), 0x7fffffffn, 0xffffffffn,
      (1n << 32n) + BigInt(p.length), (1n << 53n) + 1n, (1n << 63n) - 1n, (1n << 64n) - 1n,
    ]);
    return { kind: `length prefix at ${p.at} (${p.length}) inflated to ${target}`, bytes: splice(b, p.at, p.size, encodeVarint(target)) };
  },
  'inflate-length-in-place': (b, rng) => {
    // Same varint width, so every enclosing length stays consistent and only this field lies.
    const prefixes = lengthPrefixes(b);
    if (prefixes.length === 0) return byteMutators['bit-flips']!(b, rng);
    const p = pick(rng, prefixes);
    const out = b.slice();
    for (let i = 0; i < p.size - 1; i++) out[p.at + i] = 0xff;
    out[p.at + p.size - 1] = 0x7f;
    return { kind: `length prefix at ${p.at} (${p.length}) set to its ${p.size}-byte maximum`, bytes: out };
  },
  'shrink-length': (b, rng) => {
    const prefixes = lengthPrefixes(b).filter((p) => p.length > 0);
    if (prefixes.length === 0) return byteMutators['truncate']!(b, rng);
    const p = pick(rng, prefixes);
    const target = BigInt(int(rng, 0, p.length - 1));
    return { kind: `length prefix at ${p.at} (${p.length}) shrunk to ${target}`, bytes: splice(b, p.at, p.size, encodeVarint(target)) };
  },
  'deep-nesting': (_b, rng) => {
    const depth = pick(rng, [40, 400, 4000]);
    return { kind: `a graph nested ${depth} If-levels deep`, bytes: deeplyNestedModel(depth) };
  },
  'overlong-varint': (b, rng) => {
    // An 11-byte varint (all continuation bits) where a length should be.
    const prefixes = lengthPrefixes(b);
    if (prefixes.length === 0) return byteMutators['bit-flips']!(b, rng);
    const p = pick(rng, prefixes);
    return { kind: `length prefix at ${p.at} replaced by an 11-byte varint`, bytes: splice(b, p.at, p.size, new Uint8Array(11).fill(0xff)) };
  },
};

export const BYTE_MUTATIONS = Object.keys(byteMutators);

/** One seeded byte-level mutation. */
export function mutateBytes(bytes: Uint8Array, rng: Rng): Mutation {
  const name = pick(rng, BYTE_MUTATIONS);
  // a Node Buffer's slice() is a view, so work on a plain copy to keep the caller's bytes intact
  const r = byteMutators[name]!(new Uint8Array(bytes), rng);
  return { kind: `bytes/${name}: ${r.kind}`, bytes: r.bytes };
}

// ---------------------------------------------------------------------------
// Message level

/** Decode without any validation (the mutator works on whatever the schema accepts). */
export function decodeRaw(bytes: Uint8Array): ModelProto {
  return ModelProtoType.decode(bytes) as unknown as ModelProto;
}

export function encodeRaw(m: ModelProto): Uint8Array {
  return ModelProtoType.encode(m as unknown as Record<string, unknown>).finish();
}

const HUGE_DIMS: (number | Long)[] = [
  2 ** 31, 2 ** 32 + 1, 2 ** 40, 1e6, 2 ** 53 + 2, Long.MAX_VALUE, Long.fromString('9007199254740993'),
];
const NEGATIVE_DIMS: (number | Long)[] = [-1, -2, -(2 ** 31), Long.MIN_VALUE, Long.NEG_ONE];
const ODD_DTYPES = [0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 21, 22, 23, 24, 99, 1000, -1];
const OP_TYPES = ['Foo', '', 'Conv', 'Gemm', 'Relu', 'Reshape', 'MaxPool', 'Softmax', 'Loop', 'If', 'Scan', 'Expand', 'ConstantOfShape', 'Identity', 'Add', 'MatMul'];
const ODD_INTS = [0, -1, -7, 1, 2 ** 31 - 1, 2 ** 40, 1000];

type MessageMutator = (m: ModelProto, rng: Rng) => string | undefined;

function g(m: ModelProto): GraphProto {
  return m.graph!;
}

function anyInit(m: ModelProto, rng: Rng): TensorProto | undefined {
  const inits = g(m).initializer;
  return inits.length ? pick(rng, inits) : undefined;
}

function valueNames(m: ModelProto): string[] {
  const names = new Set<string>();
  for (const n of g(m).node) for (const o of n.output) names.add(o);
  for (const v of g(m).input) names.add(v.name ?? '');
  for (const t of g(m).initializer) names.add(t.name ?? '');
  return [...names];
}

/** A function `domain.name` whose body calls `callee` (itself, for direct recursion). */
function callingFunction(domain: string, name: string, callee: { domain: string; name: string }): ReturnType<typeof fn> {
  return fn(domain, name, ['X'], ['Y'], [node(callee.name, ['X'], ['Y'], {}, { domain: callee.domain })], [], [opset('', 17), opset(domain, 1), opset(callee.domain, 1)]);
}

/** Re-route one node through `domain.op` (a unary call replacing the node's first input→output). */
function routeThrough(m: ModelProto, rng: Rng, domain: string, op: string): string {
  const nodes = g(m).node;
  const i = int(rng, 0, nodes.length - 1);
  const target = nodes[i]!;
  const src = target.input[0] ?? g(m).input[0]?.name ?? 'x';
  const mid = `${src}__via_${op}`;
  nodes.splice(i, 0, node(op, [src], [mid], {}, { domain, name: `call_${op}` }));
  target.input[0] = mid;
  if (!m.opset_import.some((o) => o.domain === domain)) m.opset_import.push(opset(domain, 1));
  return `node ${i} routed through ${domain}.${op}`;
}

function nested(depth: number): GraphProto {
  let inner = graph('leaf', [node('Identity', ['a'], ['b'])], [valueInfo('a', 1, [1])], [valueInfo('b', 1, [1])]);
  for (let d = 0; d < depth; d++) {
    const n = node('If', ['c'], ['b']);
    const a = attr('then_branch', 0);
    a.type = AttributeType.GRAPH;
    delete a.i;
    a.g = inner;
    n.attribute = [a];
    inner = graph(`level${d}`, [n], [], [valueInfo('b', 1, [1])]);
  }
  return inner;
}

const messageMutators: Record<string, MessageMutator> = {
  'init-dim-huge': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t || t.dims.length === 0) return undefined;
    const k = int(rng, 0, t.dims.length - 1);
    t.dims[k] = pick(rng, HUGE_DIMS);
    return `initializer '${t.name}' dim ${k} = ${t.dims[k]!.toString()}`;
  },
  'init-dim-negative': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t || t.dims.length === 0) return undefined;
    const k = int(rng, 0, t.dims.length - 1);
    t.dims[k] = pick(rng, NEGATIVE_DIMS);
    return `initializer '${t.name}' dim ${k} = ${t.dims[k]!.toString()}`;
  },
  'init-dims-reshaped': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t) return undefined;
    const choice = int(rng, 0, 3);
    if (choice === 0) t.dims = [];
    else if (choice === 1) t.dims.push(1);
    else if (choice === 2) t.dims = t.dims.slice(1);
    else t.dims = [0, ...t.dims];
    return `initializer '${t.name}' dims = [${t.dims.join(',')}]`;
  },
  'raw-data-size': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t || !t.raw_data) return undefined;
    const delta = pick(rng, [-1, -4, 1, 4, 3, -t.raw_data.length, 4096]);
    t.raw_data = delta < 0 ? t.raw_data.slice(0, Math.max(0, t.raw_data.length + delta)) : new Uint8Array(t.raw_data.length + delta);
    return `initializer '${t.name}' raw_data ${delta > 0 ? '+' : ''}${delta} bytes`;
  },
  'wrong-dtype': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t) return undefined;
    t.data_type = pick(rng, ODD_DTYPES);
    return `initializer '${t.name}' data_type = ${t.data_type}`;
  },
  'typed-field-count': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t) return undefined;
    delete t.raw_data;
    const n = pick(rng, [0, 1, 3, 17]);
    t.float_data = Array.from({ length: n }, () => rng.next());
    return `initializer '${t.name}' moved to float_data with ${n} values`;
  },
  'external-without-folder': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t) return undefined;
    delete t.raw_data;
    t.data_location = 1;
    t.external_data = [{ key: 'location', value: pick(rng, ['w.bin', '../../etc/passwd', '/etc/passwd', '']) }, { key: 'offset', value: pick(rng, ['0', '-1', 'x', '99999999999999999999']) }];
    return `initializer '${t.name}' marked external`;
  },
  'input-shape': (m, rng) => {
    const v = g(m).input[0];
    const dims = v?.type?.tensor_type?.shape?.dim;
    if (!dims || dims.length === 0) return undefined;
    const k = int(rng, 0, dims.length - 1);
    const value = pick(rng, [...HUGE_DIMS, ...NEGATIVE_DIMS, 0]);
    dims[k] = { dim_value: value };
    return `input '${v!.name}' dim ${k} = ${value.toString()}`;
  },
  'input-rank': (m, rng) => {
    const shape = g(m).input[0]?.type?.tensor_type?.shape;
    if (!shape) return undefined;
    if (rng.next() < 0.5) shape.dim = shape.dim.slice(0, int(rng, 0, shape.dim.length - 1));
    else for (let i = int(rng, 1, 40); i > 0; i--) shape.dim.push({ dim_value: 1 });
    return `input rank = ${shape.dim.length}`;
  },
  'input-elem-type': (m, rng) => {
    const tt = g(m).input[0]?.type?.tensor_type;
    if (!tt) return undefined;
    tt.elem_type = pick(rng, ODD_DTYPES);
    return `input elem_type = ${tt.elem_type}`;
  },
  'output-shape': (m, rng) => {
    const v = g(m).output[0];
    if (!v?.type?.tensor_type) return undefined;
    v.type.tensor_type.shape = { dim: [{ dim_value: pick(rng, [0, 3, -1, 2 ** 40]) }, { dim_value: pick(rng, [7, 1, 0]) }] };
    if (rng.next() < 0.3) v.type.tensor_type.elem_type = pick(rng, ODD_DTYPES);
    return 'output type changed';
  },
  cycle: (m, rng) => {
    const nodes = g(m).node;
    if (nodes.length === 0) return undefined;
    const i = int(rng, 0, nodes.length - 1);
    const j = int(rng, i, nodes.length - 1);
    const out = nodes[j]!.output[0];
    if (out === undefined || nodes[i]!.input.length === 0) return undefined;
    nodes[i]!.input[int(rng, 0, nodes[i]!.input.length - 1)] = out;
    return `node ${i} reads the output of node ${j}`;
  },
  dangling: (m, rng) => {
    const nodes = g(m).node;
    if (nodes.length === 0) return undefined;
    const n = pick(rng, nodes);
    if (n.input.length === 0) return undefined;
    n.input[int(rng, 0, n.input.length - 1)] = `ghost_${rng.nextUint32()}`;
    return `node '${n.name ?? ''}' reads a value nothing produces`;
  },
  'dangling-output': (m, rng) => {
    const v = g(m).output[0];
    if (!v) return undefined;
    v.name = `ghost_out_${int(rng, 0, 99)}`;
    return 'graph output names a value nothing produces';
  },
  'duplicate-initializer': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t) return undefined;
    g(m).initializer.push({ ...t, dims: [...t.dims], raw_data: new Uint8Array(4) });
    return `initializer '${t.name}' defined twice`;
  },
  'duplicate-producer': (m, rng) => {
    const nodes = g(m).node;
    if (nodes.length < 2) return undefined;
    const i = int(rng, 0, nodes.length - 1);
    let j = int(rng, 0, nodes.length - 1);
    if (j === i) j = (i + 1) % nodes.length;
    nodes[j]!.output[0] = nodes[i]!.output[0]!;
    return `nodes ${i} and ${j} produce the same value`;
  },
  'duplicate-input': (m) => {
    const v = g(m).input[0];
    if (!v) return undefined;
    g(m).input.push(structuredClone(v));
    return `graph input '${v.name}' declared twice`;
  },
  'initializer-shadows-input': (m, rng) => {
    const v = g(m).input[0];
    const t = anyInit(m, rng);
    if (!v || !t) return undefined;
    t.name = v.name!;
    return `initializer renamed to the graph input '${v.name}'`;
  },
  'function-self-recursion': (m, rng) => {
    const f = callingFunction('fuzz', 'Loop', { domain: 'fuzz', name: 'Loop' });
    m.functions.push(f);
    return `fuzz.Loop calls itself; ${routeThrough(m, rng, 'fuzz', 'Loop')}`;
  },
  'function-mutual-recursion': (m, rng) => {
    m.functions.push(callingFunction('fuzz', 'Ping', { domain: 'fuzz', name: 'Pong' }));
    m.functions.push(callingFunction('fuzz', 'Pong', { domain: 'fuzz', name: 'Ping' }));
    return `fuzz.Ping ↔ fuzz.Pong; ${routeThrough(m, rng, 'fuzz', 'Ping')}`;
  },
  'edgetune-function-recursion': (m, rng) => {
    // A model-local definition of an edgetune op that calls itself (so none is injected).
    const op = pick(rng, ['Subsample', 'CombineMaps', 'TableConv']);
    m.functions = m.functions.filter((f) => !(f.domain === 'edgetune' && f.name === op));
    m.functions.push(callingFunction('edgetune', op, { domain: 'edgetune', name: op }));
    return `edgetune.${op} calls itself; ${routeThrough(m, rng, 'edgetune', op)}`;
  },
  'function-body-damage': (m, rng) => {
    if (m.functions.length === 0) return undefined;
    const f = pick(rng, m.functions);
    const choice = int(rng, 0, 3);
    if (choice === 0) f.node = [];
    else if (choice === 1 && f.node.length) f.node[0]!.input = [`ghost_${int(rng, 0, 9)}`];
    else if (choice === 2) f.output = [...f.output, 'nowhere'];
    else f.opset_import = [];
    return `function ${f.domain}.${f.name} body damaged (${choice})`;
  },
  'unknown-edgetune-op': (m, rng) => {
    return routeThrough(m, rng, 'edgetune', pick(rng, ['Nope', 'subsample', '']));
  },
  'attribute-values': (m, rng) => {
    const withAttrs = g(m).node.filter((n) => n.attribute.length > 0);
    if (withAttrs.length === 0) return undefined;
    const n = pick(rng, withAttrs);
    const a = pick(rng, n.attribute);
    const choice = int(rng, 0, 4);
    if (choice === 0) a.ints = a.ints.map(() => pick(rng, ODD_INTS));
    else if (choice === 1) a.ints = [];
    else if (choice === 2) { a.i = pick(rng, ODD_INTS); a.type = AttributeType.INT; }
    else if (choice === 3) { a.type = pick(rng, [AttributeType.FLOAT, AttributeType.STRING, AttributeType.GRAPH, 99]); }
    else a.ints = Array.from({ length: int(rng, 5, 30) }, () => pick(rng, ODD_INTS));
    return `node '${n.name ?? n.op_type}' attribute '${a.name}' changed (${choice})`;
  },
  'attribute-added': (m, rng) => {
    const n = pick(rng, g(m).node);
    if (!n) return undefined;
    const name = pick(rng, ['kernel_shape', 'strides', 'pads', 'group', 'axis', 'transA', 'perm', 'alpha']);
    n.attribute = n.attribute.filter((a) => a.name !== name);
    n.attribute.push(attr(name, rng.next() < 0.5 ? pick(rng, ODD_INTS) : [pick(rng, ODD_INTS), pick(rng, ODD_INTS)]));
    return `node '${n.name ?? n.op_type}' gets ${name}`;
  },
  'op-type': (m, rng) => {
    const n = pick(rng, g(m).node);
    if (!n) return undefined;
    const was = n.op_type;
    n.op_type = pick(rng, OP_TYPES);
    return `node '${n.name ?? ''}' ${was} → ${n.op_type}`;
  },
  'node-domain': (m, rng) => {
    const n = pick(rng, g(m).node);
    if (!n) return undefined;
    n.domain = pick(rng, ['com.microsoft', 'edgetune', 'ai.onnx.ml', 'nowhere']);
    return `node '${n.name ?? ''}' domain ${n.domain}`;
  },
  'node-arity': (m, rng) => {
    const n = pick(rng, g(m).node);
    if (!n) return undefined;
    const names = valueNames(m);
    if (rng.next() < 0.5) n.input = n.input.slice(0, int(rng, 0, Math.max(0, n.input.length - 1)));
    else for (let i = int(rng, 1, 4); i > 0; i--) n.input.push(pick(rng, [...names, '']));
    if (rng.next() < 0.3) n.output = rng.next() < 0.5 ? [] : [...n.output, `extra_${int(rng, 0, 9)}`];
    return `node '${n.name ?? ''}' inputs [${n.input.join(',')}] outputs [${n.output.join(',')}]`;
  },
  'remove-node': (m, rng) => {
    const nodes = g(m).node;
    if (nodes.length === 0) return undefined;
    const i = int(rng, 0, nodes.length - 1);
    nodes.splice(i, 1);
    return `node ${i} removed`;
  },
  'empty-graph-parts': (m, rng) => {
    const part = pick(rng, ['node', 'input', 'output', 'initializer'] as const);
    (g(m) as unknown as Record<string, unknown[]>)[part] = [];
    return `graph ${part} emptied`;
  },
  'no-graph': (m) => {
    delete m.graph;
    return 'graph removed';
  },
  'opset-version': (m, rng) => {
    const o = m.opset_import.find((x) => (x.domain ?? '') === '') ?? m.opset_import[0];
    if (!o) return undefined;
    o.version = pick(rng, [0, 1, 6, 7, 11, 13, 24, 1000, -5, Long.MAX_VALUE]);
    return `default opset ${o.version.toString()}`;
  },
  'ir-version': (m, rng) => {
    m.ir_version = pick(rng, [0, 1, 2, 3, 4, 7, 11, 99, -1, Long.MAX_VALUE]);
    return `ir_version ${m.ir_version.toString()}`;
  },
  'opset-imports': (m, rng) => {
    const choice = int(rng, 0, 2);
    if (choice === 0) m.opset_import = [];
    else if (choice === 1) m.opset_import.push(opset('', 9));
    else m.opset_import = m.opset_import.filter((o) => o.domain !== 'edgetune');
    return `opset imports changed (${choice})`;
  },
  'empty-names': (m, rng) => {
    const choice = int(rng, 0, 2);
    if (choice === 0) { const t = anyInit(m, rng); if (!t) return undefined; t.name = ''; }
    else if (choice === 1) { const n = pick(rng, g(m).node); if (!n || !n.output.length) return undefined; n.output[0] = ''; }
    else { const v = g(m).input[0]; if (!v) return undefined; v.name = ''; }
    return `an empty name (${choice})`;
  },
  'swap-initializer-data': (m, rng) => {
    const inits = g(m).initializer;
    if (inits.length < 2) return undefined;
    const a = pick(rng, inits), b = pick(rng, inits);
    [a.raw_data, b.raw_data] = [b.raw_data, a.raw_data];
    return `raw_data of '${a.name}' and '${b.name}' swapped`;
  },
  'non-finite-weights': (m, rng) => {
    const t = g(m).initializer.find((x) => x.data_type === 1 && x.raw_data && x.raw_data.length >= 4);
    if (!t || !t.raw_data) return undefined;
    // a decoded Buffer's slice() is a view into a shared pool: copy into a fresh array first
    const f = new Float32Array(Uint8Array.from(t.raw_data).buffer);
    const v = pick(rng, [NaN, Infinity, -Infinity, 3e38]);
    for (let i = 0; i < f.length; i += int(rng, 1, 5)) f[i] = v;
    t.raw_data = new Uint8Array(f.buffer);
    return `initializer '${t.name}' holds ${v}`;
  },
  'sparse-initializer': (m, rng) => {
    const values = { name: `sparse_${int(rng, 0, 9)}`, data_type: 1, dims: [2], raw_data: new Uint8Array(8), float_data: [], int32_data: [], string_data: [], int64_data: [], double_data: [], uint64_data: [], external_data: [], metadata_props: [] } as TensorProto;
    const indices = { data_type: 7, dims: [2], int64_data: [pick(rng, [1000000, -5, 3]), pick(rng, [2 ** 40, 0, -1])], float_data: [], int32_data: [], string_data: [], double_data: [], uint64_data: [], external_data: [], metadata_props: [] } as TensorProto;
    g(m).sparse_initializer.push({ values, indices, dims: [pick(rng, [4, 0, -1, 2 ** 40])] });
    return 'sparse initializer with out-of-range indices';
  },
  'value-info-conflict': (m, rng) => {
    const n = pick(rng, g(m).node);
    if (!n || !n.output[0]) return undefined;
    g(m).value_info.push(valueInfo(n.output[0], pick(rng, [1, 7, 9]), [pick(rng, [1, 3, 0, -1]), 999]));
    return `value_info for '${n.output[0]}' conflicts`;
  },
  'string-tensor': (m, rng) => {
    const t = anyInit(m, rng);
    if (!t) return undefined;
    delete t.raw_data;
    t.data_type = 8;
    t.string_data = [new Uint8Array([1, 2, 3])];
    return `initializer '${t.name}' made a string tensor`;
  },
  'deep-subgraph': (m, rng) => {
    const n = pick(rng, g(m).node);
    if (!n) return undefined;
    const depth = pick(rng, [3, 12, 30]);
    const a = attr('body', 0);
    a.type = AttributeType.GRAPH;
    delete a.i;
    a.g = nested(depth);
    n.attribute.push(a);
    return `node '${n.name ?? ''}' gets a graph attribute nested ${depth} deep`;
  },
};

export const MESSAGE_MUTATIONS = Object.keys(messageMutators);

/**
 * One seeded message-level mutation: decode, plant one fault (or a few, with
 * a small probability), encode. Mutators that do not apply to this model are
 * retried with another.
 */
export function mutateMessage(bytes: Uint8Array, rng: Rng, only?: string): Mutation {
  const m = decodeRaw(bytes);
  const kinds: string[] = [];
  const rounds = only === undefined && rng.next() < 0.15 ? 2 : 1;
  for (let r = 0; r < rounds; r++) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const name = only ?? pick(rng, MESSAGE_MUTATIONS);
      if (name !== 'no-graph' && !m.graph) break;
      const what = messageMutators[name]!(m, rng);
      if (what !== undefined) { kinds.push(`${name}: ${what}`); break; }
      if (only !== undefined) break;
    }
  }
  return { kind: `message/${kinds.join(' + ') || 'unchanged'}`, bytes: encodeRaw(m) };
}

/** A seeded mutation: message level with probability `pMessage`, else byte level. */
export function mutate(bytes: Uint8Array, rng: Rng, pMessage = 0.5): Mutation {
  return rng.next() < pMessage ? mutateMessage(bytes, rng) : mutateBytes(bytes, rng);
}
