/**
 * The pooling gradients as ONNX nodes: average pooling (window divisors,
 * then Expand or a scatter of the windows) and max pooling (argmax, then a
 * scatter, an Equal against the upsampled argmax, or tap hits). Pooling
 * windows are known statically, so their tables (window divisors, the input
 * position of every window tap) become constants. Every helper records the
 * dims of what it creates (ctx.setDims).
 */
import { InputError } from '../errors.js';
import type { PoolWindow } from '../grad/rules/average-pool.js';
import { DataType } from '../onnx/dtypes.js';
import { sizeOf, stridesOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { expandToEmit, reshapeEmit } from './emit-helpers.js';
import { cropPadEmit, modEmit, record, selectEmit, upsampleNdEmit } from './emit-shape-helpers.js';
/**
 * One axis of a pooling window, as the pooling kernels see it: for output o
 * the window starts at o·s − pb; taps lo ≤ p < hi lie inside the input and
 * `padded` taps inside the padded input [−pb, in + pe).
 */
interface AxisTaps {
  start: number[];
  lo: number[];
  hi: number[];
  padded: number[];
}

function axisTaps(inSize: number, k: number, s: number, pb: number, pe: number, d: number, out: number): AxisTaps {
  const t: AxisTaps = { start: [], lo: [], hi: [], padded: [] };
  for (let o = 0; o < out; o++) {
    const st = o * s - pb;
    const lo = st >= 0 ? 0 : Math.min(k, Math.ceil(-st / d));
    t.start.push(st);
    t.lo.push(lo);
    t.hi.push(Math.max(lo, Math.min(k, Math.floor((inSize - 1 - st) / d) + 1)));
    t.padded.push(Math.max(0, Math.min(k, Math.floor((inSize + pe - 1 - st) / d) + 1)));
  }
  return t;
}

function windowTaps(w: PoolWindow): AxisTaps[] {
  const a = w.attrs;
  const r = a.kernel.length;
  return a.kernel.map((k, i) => axisTaps(w.dims4[2 + i]!, k, a.strides[i]!, a.pads[i]!, a.pads[r + i]!, a.dilations[i]!, w.out4[2 + i]!));
}

/** Every index of a grid of `dims`, in row-major order. */
function gridIndices(dims: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const d of dims) out = out.flatMap((prefix) => Array.from({ length: d }, (_, i) => [...prefix, i]));
  return out;
}

/**
 * 1/divisor of every window [o…] (0 for a window with no tap): the taps
 * inside the padded input with count_include_pad, else those inside the input.
 */
export function poolInverseDivisors(w: PoolWindow): number[] {
  const taps = windowTaps(w);
  return gridIndices(w.out4.slice(2)).map((o) => {
    const div = taps.reduce((p, t, i) => p * (w.attrs.countIncludePad ? t.padded[o[i]!]! : t.hi[o[i]!]! - t.lo[o[i]!]!), 1);
    return div > 0 ? 1 / div : 0;
  });
}

/**
 * For tap t (row-major over the kernel, t = p·kW + q in 2-D) of window o: the
 * position it reads within its spatial plane (h·W + w in 2-D), or −1 where
 * the tap lies in the padding. [K, o…] with K the kernel's size.
 */
export function poolTapPositions(w: PoolWindow): number[] {
  const taps = windowTaps(w);
  const inner = w.dims4.slice(2);
  const strides = stridesOf(inner);
  const windows = gridIndices(w.out4.slice(2));
  const out: number[] = [];
  for (const k of gridIndices(w.attrs.kernel)) {
    for (const o of windows) {
      let pos = 0;
      for (let i = 0; i < inner.length; i++) {
        const c = taps[i]!.start[o[i]!]! + k[i]! * w.attrs.dilations[i]!;
        if (c < 0 || c >= inner[i]!) {
          pos = -1;
          break;
        }
        pos += c * strides[i]!;
      }
      out.push(pos);
    }
  }
  return out;
}

/** Windows that tile the input without overlap or padding (stride = kernel, no dilation, no pads). */
export function tilesInput(w: PoolWindow): boolean {
  const a = w.attrs;
  return a.kernel.every((k, i) => a.strides[i] === k && a.dilations[i] === 1) && a.pads.every((p) => p === 0);
}

/**
 * The adjoint of reading windows: ConvTranspose of z [B,K,o…] with a
 * [K,1,k…] kernel at the window's strides and dilations, with the begin
 * pads cropped off and the end cropped or zero-padded to the plane [in…],
 * giving [B,1,in…].
 */
function scatterWindowsEmit(ctx: EmitContext, z: string, zDims: readonly number[], kernel: string, w: PoolWindow): string {
  const a = w.attrs;
  const r = a.kernel.length;
  const [B] = zDims as [number];
  const inner = w.dims4.slice(2);
  const span = zDims.slice(2).map((o, i) => a.strides[i]! * (o - 1) + (a.kernel[i]! - 1) * a.dilations[i]! + 1);
  const crop = span.map((sp, i) => Math.max(0, sp - a.pads[i]! - inner[i]!));
  const got = span.map((sp, i) => sp - a.pads[i]! - crop[i]!);
  const y = record(ctx, ctx.op('ConvTranspose', [z, kernel], {
    kernel_shape: [...a.kernel], strides: [...a.strides], dilations: [...a.dilations], pads: [...a.pads.slice(0, r), ...crop],
  }), [B, 1, ...got]);
  return cropPadEmit(ctx, y, [B, 1, ...got], [0, 0, ...got.map(() => 0)], [0, 0, ...got.map((g, i) => inner[i]! - g)]);
}

/** dy scaled by each window's 1/divisor (a scalar when every window has the same divisor). */
function divideByWindowSizes(ctx: EmitContext, dy: string, w: PoolWindow): string {
  const inv = poolInverseDivisors(w);
  const uniform = inv.every((v) => v === inv[0]);
  if (uniform && inv[0] === 1) return dy;
  return record(ctx, ctx.op('Mul', [dy, uniform ? ctx.floats([inv[0]!], []) : ctx.floats(inv, [1, 1, ...w.out4.slice(2)])]), w.out4);
}

/**
 * avgPoolNdGrad as ONNX nodes, dy [N,C,o…] → [N,C,in…] (2 or 3 spatial axes):
 * every in-bounds tap of window k receives dy_k / divisor_k. The divisors are
 * a constant folded into dy; windows that tile the input are then upsampled
 * by Expand, any other window shape scattered back by a ConvTranspose with an
 * all-ones kernel over the N·C planes.
 */
export function avgPoolGradEmit(ctx: EmitContext, dy: string, w: PoolWindow): string {
  const [N, C] = w.dims4 as [number, number];
  const inner = w.dims4.slice(2);
  const out = w.out4.slice(2);
  const k = w.attrs.kernel;
  const scaled = divideByWindowSizes(ctx, dy, w);
  if (tilesInput(w)) {
    const up = upsampleNdEmit(ctx, scaled, w.out4, k);
    const upDims = [N, C, ...out.map((o, i) => o * k[i]!)];
    return cropPadEmit(ctx, up, upDims, upDims.map(() => 0), upDims.map((d, i) => w.dims4[i]! - d));
  }
  const planes = reshapeEmit(ctx, scaled, w.out4, [N * C, 1, ...out]);
  const ones = ctx.floats(new Array<number>(sizeOf(k)).fill(1), [1, 1, ...k]);
  const dx = scatterWindowsEmit(ctx, planes, [N * C, 1, ...out], ones, w);
  return reshapeEmit(ctx, dx, [N * C, 1, ...inner], w.dims4);
}

/** avgPool2dGrad as ONNX nodes (avgPoolGradEmit, which takes 2-D and 3-D windows). */
export const avgPool2dGradEmit = avgPoolGradEmit;

/** MaxPool's Indices output for x [N,C,in…] with the window's explicit attributes: each window's first maximum as a flat position in x, [N,C,o…] int64. */
function maxPoolIndicesEmit(ctx: EmitContext, x: string, w: PoolWindow): string {
  const a = w.attrs;
  const attrs: Record<string, number | number[]> = { kernel_shape: [...a.kernel], strides: [...a.strides], pads: [...a.pads] };
  if (a.dilations.some((d) => d !== 1)) attrs.dilations = [...a.dilations];
  if (a.ceilMode) attrs.ceil_mode = 1;
  const [, indices] = ctx.add('MaxPool', [x], attrs, 2) as [string, string];
  return record(ctx, indices, w.out4);
}

/**
 * The argmax of maxPoolNd as ONNX nodes: MaxPool on x [N,C,in…] with the
 * window's explicit attributes and storage_order 0, whose Indices output is
 * the flat index of each window's first maximum in the whole tensor (as
 * maxPoolNd picks it); returned as the position within its spatial plane
 * (h·W + w in 2-D), [N,C,o…] int64.
 */
export function maxPoolArgmaxEmit(ctx: EmitContext, x: string, w: PoolWindow): string {
  const indices = maxPoolIndicesEmit(ctx, x, w);
  return modEmit(ctx, indices, sizeOf(w.dims4.slice(2)), w.out4);
}

/**
 * maxPoolNdGrad as one scatter, x [N,C,in…] and dy [N,C,o…] → [N,C,in…]:
 * MaxPool's Indices output (each window's first maximum, as a flat position
 * in x) says where each δ goes; ScatterElements writes δ there onto zeros,
 * with reduction add where windows overlap (opset 16 on), so that a position
 * winning several windows gets their sum, accumulated in window order as
 * maxPoolNd does. Windows that tile the input never share a position, so
 * the plain scatter of opset 11 does for them; other windows before opset 16
 * go class by class (windows a whole span apart, which never overlap), each
 * class's δ added to the sum so far at its positions (GatherElements) and
 * scattered in.
 */
export function maxPoolScatterGradEmit(ctx: EmitContext, dy: string, x: string, w: PoolWindow): string {
  const indices = maxPoolIndicesEmit(ctx, x, w);
  const total = sizeOf(w.dims4);
  const O = sizeOf(w.out4);
  const zeros = record(ctx, ctx.op('Expand', [ctx.floats([0], []), ctx.ints([total])]), [total]);
  if (ctx.opset >= 16 || tilesInput(w)) {
    const scatter: Record<string, number | string> = tilesInput(w) ? { axis: 0 } : { axis: 0, reduction: 'add' };
    const dx = record(ctx, ctx.op('ScatterElements', [zeros, reshapeEmit(ctx, indices, w.out4, [O]), reshapeEmit(ctx, dy, w.out4, [O])], scatter), [total]);
    return reshapeEmit(ctx, dx, [total], w.dims4);
  }
  // Before opset 16 a scatter cannot add. Windows c = ⌈span/s⌉ apart along every axis never overlap, so each such
  // class of windows is one plain scatter, its δ first added to what the classes before left at its positions.
  const a = w.attrs;
  const inner = w.out4.slice(2);
  const classes = a.kernel.map((k, i) => Math.min(inner[i]!, Math.ceil(((k - 1) * a.dilations[i]! + 1) / a.strides[i]!)));
  const axes = inner.map((_, i) => i + 2);
  let dx = zeros;
  for (const q of gridIndices(classes)) {
    const sizes = inner.map((o, i) => Math.ceil((o - q[i]!) / classes[i]!));
    const count = w.out4[0]! * w.out4[1]! * sizeOf(sizes);
    const pick = (v: string) => reshapeEmit(ctx, record(ctx, ctx.op('Slice', [v, ctx.ints(q), ctx.ints(inner), ctx.ints(axes), ctx.ints(classes)]), [w.out4[0]!, w.out4[1]!, ...sizes]),
      [w.out4[0]!, w.out4[1]!, ...sizes], [count]);
    const idx = pick(indices);
    const g = pick(dy);
    const upd = dx === zeros ? g : record(ctx, ctx.op('Add', [g, record(ctx, ctx.op('GatherElements', [dx, idx], { axis: 0 }), [count])]), [count]);
    dx = record(ctx, ctx.op('ScatterElements', [dx, idx, upd], { axis: 0 }), [total]);
  }
  return reshapeEmit(ctx, dx, [total], w.dims4);
}

/** Whether maxPoolScatterGradEmit is valid at the model's opset for this window (ScatterElements and GatherElements: opset 11). */
export function maxPoolScatterAvailable(ctx: EmitContext, w: PoolWindow): boolean {
  void w;
  return ctx.opset >= 11;
}

/** maxPool2d's argmax as ONNX nodes (maxPoolArgmaxEmit, which takes 2-D and 3-D windows). */
export const maxPool2dArgmaxEmit = maxPoolArgmaxEmit;

/**
 * maxPoolNdGrad as ONNX nodes: dx[argmax_k] += dy_k, dy [N,C,o…] and argmax
 * (in-plane positions) → [N,C,in…] (2 or 3 spatial axes). Windows that tile
 * the input give each position at most one window: dy and argmax are
 * upsampled by Expand and dx = dy where argmax equals the position's own
 * index. Otherwise, per tap t of the kernel, mask_t = (argmax = the position
 * tap t reads), and the masked dy [N·C, K, o…] is scattered back by a
 * ConvTranspose whose kernel channel t is the one-hot of tap t, summing where
 * windows overlap.
 */
export function maxPoolGradEmit(ctx: EmitContext, dy: string, argmax: string, w: PoolWindow): string {
  const [N, C] = w.dims4 as [number, number];
  const out = w.out4.slice(2);
  const inner = w.dims4.slice(2);
  const k = w.attrs.kernel;
  if (tilesInput(w)) {
    const upDims = [N, C, ...out.map((o, i) => o * k[i]!)];
    const fitDims = [N, C, ...inner.map((d, i) => Math.min(d, upDims[2 + i]!))];
    const fit = (v: string) => cropPadEmit(ctx, upsampleNdEmit(ctx, v, w.out4, k), upDims, upDims.map(() => 0), upDims.map((d, i) => fitDims[i]! - d));
    const strides = stridesOf(inner);
    const fitInner = fitDims.slice(2);
    let own = '';
    for (let i = 0; i < fitInner.length; i++) {
      const shape = fitInner.map((d, j) => (j === i ? d : 1));
      const coords = ctx.ints(Array.from({ length: fitInner[i]! }, (_, c) => c * strides[i]!), shape);
      own = i === 0 ? coords : record(ctx, ctx.op('Add', [own, coords]), fitInner.map((d, j) => (j <= i ? d : 1)));
    }
    const hit = record(ctx, ctx.op('Equal', [fit(argmax), own]), fitDims);
    const dx = selectEmit(ctx, hit, fit(dy), fitDims);
    return cropPadEmit(ctx, dx, fitDims, fitDims.map(() => 0), fitDims.map((d, i) => w.dims4[i]! - d));
  }
  const K = sizeOf(k);
  const taps = ctx.ints(poolTapPositions(w), [K, ...out]);
  const am = reshapeEmit(ctx, argmax, w.out4, [N, C, 1, ...out]);
  const hit = record(ctx, ctx.op('Equal', [am, taps]), [N, C, K, ...out]);
  return scatterTapHitsEmit(ctx, dy, hit, [N, C, K, ...out], w);
}

/**
 * The per-tap scatter of maxPoolGradEmit: dy where hit [N,C,K,o…] marks the
 * tap that won its window, summed back onto the input by a ConvTranspose
 * whose kernel channel t is the one-hot of tap t.
 */
function scatterTapHitsEmit(ctx: EmitContext, dy: string, hit: string, hitDims: readonly number[], w: PoolWindow): string {
  const [N, C] = w.dims4 as [number, number];
  const out = w.out4.slice(2);
  const k = w.attrs.kernel;
  const K = sizeOf(k);
  const g = reshapeEmit(ctx, dy, w.out4, [N, C, 1, ...out]);
  const masked = selectEmit(ctx, hit, g, hitDims);
  const planes = reshapeEmit(ctx, masked, hitDims, [N * C, K, ...out]);
  const oneHot = ctx.floats(Array.from({ length: K * K }, (_, i) => (Math.floor(i / K) === i % K ? 1 : 0)), [K, 1, ...k]);
  const dx = scatterWindowsEmit(ctx, planes, [N * C, K, ...out], oneHot, w);
  return reshapeEmit(ctx, dx, [N * C, 1, ...w.dims4.slice(2)], w.dims4);
}

/**
 * maxPoolNdGrad as ONNX nodes without MaxPool's Indices output (which opsets
 * before 8 lack), from x [N,C,in…] itself: the value every tap reads is
 * gathered (padding taps read −∞), compared with the pooled maximum
 * (¬(v < y), Equal takes no floats before opset 11), and ArgMax over the taps
 * picks the first that reaches it, as maxPoolNd does; dy then goes to that
 * tap through the per-tap scatter.
 */
export function maxPoolGradByTapsEmit(ctx: EmitContext, dy: string, x: string, w: PoolWindow): string {
  const a = w.attrs;
  const [N, C] = w.dims4 as [number, number];
  const out = w.out4.slice(2);
  const P = sizeOf(w.dims4.slice(2));
  const K = sizeOf(a.kernel);
  const O = sizeOf(out);
  const flat = reshapeEmit(ctx, x, w.dims4, [N * C, P]);
  const lowest = expandToEmit(ctx, ctx.floats([-Infinity], [1, 1]), [1, 1], [N * C, 1]);
  const padded = record(ctx, ctx.op('Concat', [flat, lowest], { axis: 1 }), [N * C, P + 1]);
  const taps = poolTapPositions(w).map((t) => (t < 0 ? P : t));
  const read = record(ctx, ctx.op('Gather', [padded, ctx.ints(taps, [K * O])], { axis: 1 }), [N * C, K * O]);
  const values = reshapeEmit(ctx, read, [N * C, K * O], [N * C, K, ...out]);
  const attrs: Record<string, number | number[]> = { kernel_shape: [...a.kernel], strides: [...a.strides], pads: [...a.pads] };
  if (a.dilations.some((d) => d !== 1)) attrs.dilations = [...a.dilations];
  if (a.ceilMode) attrs.ceil_mode = 1;
  const y = record(ctx, ctx.op('MaxPool', [x], attrs), w.out4);
  const yPlanes = reshapeEmit(ctx, y, w.out4, [N * C, 1, ...out]);
  const below = record(ctx, ctx.op('Less', [values, yPlanes]), [N * C, K, ...out]);
  const reaches = record(ctx, ctx.op('Cast', [record(ctx, ctx.op('Not', [below]), [N * C, K, ...out])], { to: DataType.FLOAT }), [N * C, K, ...out]);
  const first = record(ctx, ctx.op('ArgMax', [reaches], { axis: 1, keepdims: 1 }), [N * C, 1, ...out]);
  const tapIds = ctx.ints(Array.from({ length: K }, (_, t) => t), [1, K, ...out.map(() => 1)]);
  const won = record(ctx, ctx.op('Equal', [first, tapIds]), [N * C, K, ...out]);
  const hit = reshapeEmit(ctx, won, [N * C, K, ...out], [N, C, K, ...out]);
  return scatterTapHitsEmit(ctx, dy, hit, [N, C, K, ...out], w);
}

/** maxPool2dGrad as ONNX nodes (maxPoolGradEmit, which takes 2-D and 3-D windows). */
export const maxPool2dGradEmit = maxPoolGradEmit;

/** δ of a pooling node in its window's form (pooledGrad's ONNX twin), after checking its size. */
export function pooledGradEmit(ctx: EmitContext, w: PoolWindow): string {
  const yDims = ctx.dims(ctx.outputs[0]!);
  if (sizeOf(yDims) !== sizeOf(w.out4)) {
    throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): output [${yDims.join(',')}] does not match the pooled shape [${w.out4.join(',')}]`);
  }
  return reshapeEmit(ctx, ctx.gradOutputs[0]!, yDims, w.out4);
}
