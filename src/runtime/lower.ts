/**
 * Graph rewrites for onnxruntime-web's GPU execution providers.
 *
 * WebGL runs models on its own older engine, which knows neither model-local
 * functions nor the int64 shape arithmetic inside the edgetune function
 * bodies; WebGPU's Conv kernel needs explicit strides, pads and dilations when
 * its weights are not constant (always the case in a training view, where the
 * weights are graph inputs). So every edgetune op is replaced by the standard
 * ops it stands for, and Conv defaults are spelled out:
 *
 *   Subsample(X, β, b; n)  = AveragePool_n×n(X) · n² · β[c] + b[c]
 *   TableConv(X, W, B; T)  = Conv(X, W ∘ T[j,i], B)
 *   CombineMaps(Z, c, b)   = Conv(Z, reshape(softmax(c, 0)ᵀ, [J,I,1,1]), b)
 *
 * WebGL's Conv also gives wrong results when its weight is computed inside
 * the graph (it is right for initializers and graph inputs), so in `host`
 * mode the Conv weights of TableConv and CombineMaps are folded into
 * initializers, or — when they come from graph inputs — become new graph
 * inputs that the caller computes from the original feeds (HostInput).
 * Either way the rewritten graph computes the same values as the original.
 */
import { EDGETUNE_DOMAIN } from '../../customops/domain.js';
import { softmaxColumns } from '../../customops/combine-maps.js';
import { UnsupportedError } from '../errors.js';
import { Attrs } from '../graph/attributes.js';
import { attr, floatTensor, int64Tensor, node as makeNode, valueInfo } from '../onnx/builder.js';
import { DataType } from '../onnx/dtypes.js';
import { decodeModel, encodeModel } from '../onnx/model-io.js';
import { readTensor } from '../onnx/tensor-codec.js';
import { num, type Attribute, type GraphProto, type ModelProto, type NodeProto } from '../onnx/types.js';

/** Providers whose sessions get the rewritten graph. */
export const GPU_PROVIDERS: readonly string[] = ['webgl', 'webgpu'];

type Dims = (number | undefined)[];

/** A graph input of the rewritten model computed from feeds of the original one. */
export interface HostInput {
  name: string;
  dims: number[];
  /** original feeds it is computed from */
  from: string[];
  compute(inputs: Float32Array[]): Float32Array;
}

export interface Lowered {
  /** dims of new values that later passes need (Conv weights) */
  dims: Map<string, Dims>;
  /** inputs to compute from the original feeds (host mode only) */
  host: HostInput[];
}

export interface LowerOptions {
  /** compute Conv weights outside the graph (for WebGL) */
  host?: boolean;
  /** lower only these op types (default: every edgetune op) */
  only?: readonly string[];
}

/** Known dims of the graph's values: initializers, inputs, value_info and outputs (undefined entries for symbolic dims). */
function knownDims(g: GraphProto): Map<string, Dims> {
  const dims = new Map<string, Dims>();
  for (const v of [...g.value_info, ...g.output, ...g.input]) {
    const shape = v.type?.tensor_type?.shape;
    if (v.name && shape) {
      dims.set(v.name, shape.dim.map((d) => (Object.prototype.hasOwnProperty.call(d, 'dim_value') ? num(d.dim_value) : undefined)));
    }
  }
  for (const t of g.initializer) if (t.name) dims.set(t.name, t.dims.map((d) => num(d)));
  return dims;
}

/** Fresh value names that collide with nothing in the graph. */
function namer(g: GraphProto): (base: string) => string {
  const used = new Set<string>();
  for (const n of g.node) for (const v of [...n.input, ...n.output]) used.add(v);
  for (const v of [...g.input, ...g.output, ...g.value_info]) used.add(v.name ?? '');
  for (const t of g.initializer) used.add(t.name ?? '');
  return (base) => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
}

/** The attribute's default from the model's own function definition, when it gives one. */
function functionDefault(m: ModelProto, op: string, name: string): Attribute | undefined {
  const f = m.functions.find((fn) => fn.domain === EDGETUNE_DOMAIN && fn.name === op);
  return f?.attribute_proto.find((a) => a.name === name);
}

/** Attributes of `from` among `names`, copied (Conv's strides, pads, dilations, auto_pad). */
function copyAttrs(from: NodeProto, names: readonly string[]): Attribute[] {
  return from.attribute.filter((a) => names.includes(a.name ?? '') && !a.ref_attr_name).map((a) => ({ ...a }));
}

interface Ctx {
  m: ModelProto;
  g: GraphProto;
  fresh: (base: string) => string;
  dims: Map<string, Dims>;
  file: string;
  /** host mode: where computed Conv weights go */
  host: HostInput[] | undefined;
}

type Lower = (n: NodeProto, ctx: Ctx) => { nodes: NodeProto[]; dims: Map<string, Dims> };

const label = (n: NodeProto) => `node '${n.name ?? n.output[0] ?? ''}' (${EDGETUNE_DOMAIN}.${n.op_type})`;

function fullDims(d: Dims | undefined): number[] | undefined {
  return d && d.every((v) => v !== undefined) ? (d as number[]) : undefined;
}

/**
 * A Conv weight `f(source)` in host mode: an initializer when `source` is one,
 * else a new graph input computed from the feed of `source`.
 */
function hostWeight(n: NodeProto, ctx: Ctx, source: string, name: string, dims: number[], f: (x: Float32Array) => Float32Array): void {
  const init = ctx.g.initializer.find((t) => t.name === source);
  if (init) {
    const t = readTensor(init, undefined, ctx.file);
    if (t.dtype !== DataType.FLOAT) throw new UnsupportedError(`${ctx.file}: ${label(n)}: '${source}' is not float32`);
    ctx.g.initializer.push(floatTensor(name, dims, f(t.data as Float32Array)));
    return;
  }
  if (!ctx.g.input.some((v) => v.name === source)) {
    throw new UnsupportedError(`${ctx.file}: ${label(n)}: WebGL needs '${source}' to be an initializer or a graph input, not a computed value`);
  }
  ctx.g.input.push(valueInfo(name, DataType.FLOAT, dims));
  ctx.host!.push({ name, dims, from: [source], compute: ([x]) => f(x!) });
}

const lowerSubsample: Lower = (n, { m, g, fresh }) => {
  const attrs = new Attrs(n);
  const dflt = functionDefault(m, 'Subsample', 'size');
  const size = attrs.has('size') ? attrs.int('size', 2) : dflt?.i !== undefined ? num(dflt.i) : 2;
  const [x, beta, bias] = n.input as [string, string, string | undefined];
  const y = n.output[0]!;
  const base = n.name || y;
  const shape = fresh(`${base}/per_channel_shape`);
  const n2 = fresh(`${base}/block_area`);
  g.initializer.push(int64Tensor(shape, [3], [-1, 1, 1]), floatTensor(n2, [], [size * size]));
  const pooled = fresh(`${base}/mean`), sum = fresh(`${base}/sum`), beta3 = fresh(`${base}/beta`), scaled = fresh(`${base}/scaled`);
  const nodes = [
    makeNode('AveragePool', [x], [pooled], { kernel_shape: [size, size], strides: [size, size] }, { name: `${base}/pool` }),
    makeNode('Mul', [pooled, n2], [sum], {}, { name: `${base}/area` }),
    makeNode('Reshape', [beta, shape], [beta3], {}, { name: `${base}/beta_shape` }),
  ];
  if (bias) {
    const bias3 = fresh(`${base}/bias`);
    nodes.push(
      makeNode('Mul', [sum, beta3], [scaled], {}, { name: `${base}/scale` }),
      makeNode('Reshape', [bias, shape], [bias3], {}, { name: `${base}/bias_shape` }),
      makeNode('Add', [scaled, bias3], [y], {}, { name: `${base}/shift` }),
    );
  } else {
    nodes.push(makeNode('Mul', [sum, beta3], [y], {}, { name: `${base}/scale` }));
  }
  return { nodes, dims: new Map() };
};

const CONV_ATTRS = ['strides', 'pads', 'dilations', 'auto_pad'] as const;

/** W ∘ T: kernel (j, i) of a [J, I, k…] weight zeroed where the table says 0. */
export function maskWeight(w: Float32Array, table: readonly number[], J: number, I: number): Float32Array {
  const k = w.length / (J * I);
  const out = new Float32Array(w.length);
  for (let ji = 0; ji < J * I; ji++) {
    if (table[ji] === 0) continue;
    out.set(w.subarray(ji * k, (ji + 1) * k), ji * k);
  }
  return out;
}

/** The 1×1 Conv kernel [J, I, 1, 1] of CombineMaps: kernel[j,i] = softmax(c, axis 0)[i,j] for c [I, J]. */
export function combineKernel(c: Float32Array, I: number, J: number): Float32Array {
  const a = softmaxColumns(c, I, J);
  const out = new Float32Array(I * J);
  for (let j = 0; j < J; j++) for (let i = 0; i < I; i++) out[j * I + i] = a[i * J + j]!;
  return out;
}

const lowerTableConv: Lower = (n, ctx) => {
  const { g, fresh, dims, file } = ctx;
  const [x, w, b] = n.input as [string, string, string | undefined];
  const wd = dims.get(w);
  const J = wd?.[0], I = wd?.[1];
  if (!wd || J === undefined || I === undefined) throw new UnsupportedError(`${file}: ${label(n)}: the dims of weight '${w}' are unknown, so its connection table cannot be laid out`);
  const table = new Attrs(n).ints('table', []);
  if (table.length !== J * I) throw new UnsupportedError(`${file}: ${label(n)}: table has ${table.length} entries, weight '${w}' needs ${J}×${I}`);
  const base = n.name || n.output[0]!;
  const masked = fresh(`${base}/masked_weight`);
  const conv = makeNode('Conv', b ? [x, masked, b] : [x, masked], [n.output[0]!], {}, { name: `${base}/conv` });
  conv.attribute = copyAttrs(n, CONV_ATTRS);
  if (ctx.host) {
    const full = fullDims(wd);
    if (!full) throw new UnsupportedError(`${file}: ${label(n)}: the dims of weight '${w}' are not all known`);
    hostWeight(n, ctx, w, masked, full, (v) => maskWeight(v, table, J, I));
    return { nodes: [conv], dims: new Map([[masked, wd]]) };
  }
  const mask = fresh(`${base}/table_mask`);
  g.initializer.push(floatTensor(mask, [J, I, 1, 1], table.map((v) => (v !== 0 ? 1 : 0))));
  return {
    nodes: [makeNode('Mul', [w, mask], [masked], {}, { name: `${base}/mask` }), conv],
    dims: new Map([[masked, wd]]),
  };
};

const lowerCombineMaps: Lower = (n, ctx) => {
  const { g, fresh, dims, file } = ctx;
  const [z, c, b] = n.input as [string, string, string | undefined];
  const base = n.name || n.output[0]!;
  const kernel = fresh(`${base}/kernel`);
  const conv = makeNode('Conv', b ? [z, kernel, b] : [z, kernel], [n.output[0]!], {}, { name: `${base}/conv` });
  if (ctx.host) {
    const cd = fullDims(dims.get(c));
    if (!cd || cd.length !== 2) throw new UnsupportedError(`${file}: ${label(n)}: the dims of '${c}' must be a known [I,J]`);
    const [I, J] = cd as [number, number];
    hostWeight(n, ctx, c, kernel, [J, I, 1, 1], (v) => combineKernel(v, I, J));
    return { nodes: [conv], dims: new Map([[kernel, [J, I, 1, 1]]]) };
  }
  const shape = fresh(`${base}/kernel_shape`);
  g.initializer.push(int64Tensor(shape, [4], [0, 0, 1, 1]));
  const alpha = fresh(`${base}/alpha`), alphaT = fresh(`${base}/alpha_t`);
  return {
    nodes: [
      makeNode('Softmax', [c], [alpha], { axis: 0 }, { name: `${base}/softmax` }),
      makeNode('Transpose', [alpha], [alphaT], { perm: [1, 0] }, { name: `${base}/transpose` }),
      makeNode('Reshape', [alphaT, shape], [kernel], {}, { name: `${base}/kernel` }),
      conv,
    ],
    dims: new Map([[kernel, [undefined, undefined, 1, 1]]]),
  };
};

/**
 * Whether a partial lowering may replace this call: its inputs and output are
 * all there and its per-map parameters are known to be 1-D, the form in which
 * the standard-op version computes exactly what the function body does.
 * Anything else keeps the function call, so ONNX Runtime reports the problem.
 */
function wellFormed(n: NodeProto, dims: Map<string, Dims>): boolean {
  if (n.output.length !== 1 || !n.output[0] || n.input.length < 2 || n.input.some((v) => !v)) return false;
  return n.input.slice(1).every((v) => dims.get(v)?.length === 1);
}

const LOWERINGS: Record<string, Lower> = { Subsample: lowerSubsample, TableConv: lowerTableConv, CombineMaps: lowerCombineMaps };

/**
 * Replace every edgetune op in the main graph by standard ops (see the file
 * comment), then drop the edgetune function definitions and opset import
 * nothing uses any more. Mutates `m`.
 */
export function lowerEdgetuneOps(m: ModelProto, file = '<model>', opts: LowerOptions = {}): Lowered {
  const g = m.graph!;
  const dims = knownDims(g);
  const host: HostInput[] | undefined = opts.host ? [] : undefined;
  const ctx: Ctx = { m, g, fresh: namer(g), dims, file, host };
  const out: NodeProto[] = [];
  for (const n of g.node) {
    if (n.domain !== EDGETUNE_DOMAIN || (opts.only && !(opts.only.includes(n.op_type ?? '') && wellFormed(n, dims)))) { out.push(n); continue; }
    const lower = LOWERINGS[n.op_type ?? ''];
    if (!lower) throw new UnsupportedError(`${file}: ${label(n)} has no standard-op form for the GPU execution providers`);
    const r = lower(n, ctx);
    out.push(...r.nodes);
    for (const [k, v] of r.dims) dims.set(k, v);
  }
  g.node = out;
  const used = new Set<string>();
  for (const n of [...g.node, ...m.functions.filter((f) => f.domain !== EDGETUNE_DOMAIN).flatMap((f) => f.node)]) {
    if (n.domain === EDGETUNE_DOMAIN) used.add(n.op_type ?? '');
  }
  m.functions = m.functions.filter((f) => f.domain !== EDGETUNE_DOMAIN || used.has(f.name ?? ''));
  if (used.size === 0) m.opset_import = m.opset_import.filter((o) => o.domain !== EDGETUNE_DOMAIN);
  return { dims, host: host ?? [] };
}

/**
 * Give every main-graph Conv explicit strides (1), dilations (1) and — unless
 * auto_pad asks for padding — pads (0), sized by the spatial rank r = rank(W) − 2.
 * These are ONNX's defaults, so the values computed do not change.
 */
export function explicitConvDefaults(m: ModelProto, extraDims: Map<string, Dims> = new Map()): void {
  const g = m.graph!;
  const dims = knownDims(g);
  for (const [k, v] of extraDims) if (!dims.has(k)) dims.set(k, v);
  for (const n of g.node) {
    if (n.op_type !== 'Conv' || (n.domain ?? '') !== '') continue;
    const rank = dims.get(n.input[1] ?? '')?.length ?? dims.get(n.input[0] ?? '')?.length;
    if (rank === undefined || rank < 3) continue;
    const r = rank - 2;
    const attrs = new Attrs(n);
    if (!attrs.has('strides')) n.attribute.push(attr('strides', Array(r).fill(1)));
    if (!attrs.has('dilations')) n.attribute.push(attr('dilations', Array(r).fill(1)));
    if (!attrs.has('pads') && attrs.string('auto_pad', 'NOTSET') === 'NOTSET') n.attribute.push(attr('pads', Array(2 * r).fill(0)));
  }
}

/**
 * Fix the leading dim of every fed graph input whose leading dim is symbolic
 * or unknown to `batch` (WebGL checks every run against the declared shape).
 * Returns the names of the inputs it pinned.
 */
export function pinBatch(m: ModelProto, batch: number): string[] {
  if (!Number.isInteger(batch) || batch < 1) throw new UnsupportedError(`batch size to pin must be a positive integer, got ${batch}`);
  const g = m.graph!;
  const init = new Set(g.initializer.map((t) => t.name));
  const pinned: string[] = [];
  for (const v of g.input) {
    if (init.has(v.name)) continue;
    const d0 = v.type?.tensor_type?.shape?.dim[0];
    if (!d0 || Object.prototype.hasOwnProperty.call(d0, 'dim_value')) continue;
    delete d0.dim_param;
    d0.dim_value = batch;
    pinned.push(v.name ?? '');
  }
  return pinned;
}

/**
 * Give graph outputs declared without a type (the training view's saved
 * values) a float tensor type of unknown rank: WebGL's loader reads the type
 * of every output, although it never checks it.
 */
export function typeBareOutputs(m: ModelProto): void {
  for (const v of m.graph!.output) {
    if (!v.type?.tensor_type) v.type = { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [] } } };
  }
}

/** Remove graph inputs no node reads and no output returns (WebGL wants a feed for every input). */
export function dropUnusedInputs(m: ModelProto): void {
  const g = m.graph!;
  const used = new Set<string>([...g.node.flatMap((n) => n.input), ...g.output.map((v) => v.name ?? '')]);
  g.input = g.input.filter((v) => used.has(v.name ?? ''));
}

/** The model as WebGPU loads it: edgetune ops lowered, Conv defaults spelled out. */
export function lowerForWebgpu(bytes: Uint8Array, file = '<model>'): ModelProto {
  const m = decodeModel(bytes, file);
  explicitConvDefaults(m, lowerEdgetuneOps(m, file).dims);
  return m;
}

/**
 * The model as WebGL loads it (before the batch dim is pinned): edgetune ops
 * lowered with host-computed Conv weights, Conv defaults spelled out, bare
 * outputs typed, unread inputs dropped.
 */
export function lowerForWebgl(bytes: Uint8Array, file = '<model>'): { model: ModelProto; host: HostInput[] } {
  const m = decodeModel(bytes, file);
  const { dims, host } = lowerEdgetuneOps(m, file, { host: true });
  explicitConvDefaults(m, dims);
  typeBareOutputs(m);
  dropUnusedInputs(m);
  return { model: m, host };
}

/**
 * The model bytes a WebGPU or wasm session loads: unchanged for wasm, lowered
 * for WebGPU. (WebGL sessions are built by webgl-session.ts.)
 */
export function prepareForProvider(bytes: Uint8Array, provider: string, file = '<model>'): Uint8Array {
  return provider === 'webgpu' ? encodeModel(lowerForWebgpu(bytes, file)) : bytes;
}
