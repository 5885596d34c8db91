/**
 * Building blocks for the reduction emitters, the ONNX-node forms of
 * src/tensor/reduce.ts: a reduced gradient in its kept-dims form, broadcast
 * back to the input (unreduce), a sum over the reduced axes kept as size-1
 * axes, and the mask of the positions that reach an extremum.
 *
 * A reduction is known to the emitter either by its axes (static) or, where
 * an axes input with keepdims = 0 leaves the removed positions ambiguous from
 * the dims alone, by the name of that axes input; that form only exists from
 * opset 13 on, so Unsqueeze and ReduceSum take it as their axes input. Values
 * shaped by a dynamic reduction have no recorded dims.
 */
import { DataType } from '../onnx/dtypes.js';
import { keptDims } from '../tensor/reduce.js';
import { sameShape } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { reduceSumEmit, reshapeEmit } from './emit-helpers.js';

/** The reduced axes (sorted, non-negative), or the name of the node's axes input when they are known only at run time. */
export type EmitReduction = { axes: readonly number[] } | { axesInput: string };

/** g, shaped like the reduction's output (gDims), in the kept-dims form of an input of dims xDims. */
export function keptEmit(ctx: EmitContext, g: string, gDims: readonly number[], xDims: readonly number[], r: EmitReduction): string {
  if ('axes' in r) return reshapeEmit(ctx, g, gDims, keptDims(xDims, r.axes));
  return ctx.op('Unsqueeze', [g, r.axesInput]);
}

/**
 * unreduce as ONNX nodes: g (the reduction's output shape) in kept-dims form
 * broadcast to xDims: Expand from opset 8, Tile before (where the axes are
 * always static).
 */
export function unreduceEmit(ctx: EmitContext, g: string, gDims: readonly number[], xDims: readonly number[], r: EmitReduction): string {
  const kept = keptEmit(ctx, g, gDims, xDims, r);
  let out: string;
  if (ctx.opset >= 8) {
    out = ctx.op('Expand', [kept, ctx.ints(xDims)]);
  } else {
    const k = keptDims(xDims, 'axes' in r ? r.axes : []);
    if (sameShape(k, xDims)) return kept;
    out = ctx.op('Tile', [kept, ctx.ints(xDims.map((d, i) => d / k[i]!))]);
  }
  ctx.setDims(out, xDims);
  return out;
}

/** Σ of v [xDims] over the reduced axes, kept as size-1 axes. */
export function sumKeptEmit(ctx: EmitContext, v: string, xDims: readonly number[], r: EmitReduction): string {
  if ('axes' in r) return reduceSumEmit(ctx, v, xDims, r.axes, true);
  return ctx.op('ReduceSum', [v, r.axesInput], { keepdims: 1 });
}

/**
 * extremumMask as ONNX nodes: 1.0 where x reaches the extremum y (broadcast),
 * as Not(Less(x, y)) for a maximum and Not(Greater(x, y)) for a minimum, both
 * defined on floats at every opset (float Equal only from 11), cast to float.
 * Records `dims` as the mask's when given.
 */
export function extremumMaskEmit(ctx: EmitContext, x: string, y: string, kind: 'max' | 'min', dims?: readonly number[]): string {
  const beyond = ctx.op(kind === 'max' ? 'Less' : 'Greater', [x, y]);
  const mask = ctx.op('Cast', [ctx.op('Not', [beyond])], { to: DataType.FLOAT });
  if (dims) ctx.setDims(mask, dims);
  return mask;
}
