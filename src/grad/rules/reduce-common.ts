/**
 * What the Reduce* rules share: reading which axes a node reduces, in every
 * opset form, for the TypeScript VJP and for the emitter.
 *
 * Axes are the `axes` attribute before the opset where they became input 1
 * (ReduceSum from 13, ReduceMean/Max/Min/L2/LogSumExp/SumSquare from 18);
 * negative axes count from the end. No axes (absent or empty) means every
 * axis, unless noop_with_empty_axes = 1 (input form only), which reduces over
 * the empty set of axes: every output element is the reduction of the one
 * input element at its position (the identity for Sum, Mean, Max and Min,
 * x² for SumSquare, |x| for L2, x for LogSumExp), so the general gradient
 * formulas hold with no axis summed.
 */
import { InputError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { normalizeAxes } from '../../tensor/broadcast.js';
import type { EmitContext } from '../../compile/emit.js';
import { keptEmit, type EmitReduction } from '../../compile/emit-reduce.js';
import { floatIn, floatOut, type RuleContext } from '../rule.js';
import { keptDims } from '../../tensor/reduce.js';
import { reshape, sizeOf, type Tensor } from '../../tensor/tensor.js';
import { optionalIntsIn } from './reshape.js';

export interface ReduceAttrs {
  keepDims: boolean;
  /** the axes are input 1 at this opset, not an attribute */
  axesFromInput: boolean;
  noopWithEmptyAxes: boolean;
}

function where(node: NodeView): string {
  return `node '${node.name}' (${node.opType})`;
}

/** The first opset in which the op takes its axes as input 1. */
export function axesInputSince(opType: string): number {
  return opType === 'ReduceSum' ? 13 : 18;
}

export function reduceAttrs(node: NodeView, opset: number): ReduceAttrs {
  const axesFromInput = opset >= axesInputSince(node.opType);
  return {
    keepDims: node.attrs.int('keepdims', 1) !== 0,
    axesFromInput,
    noopWithEmptyAxes: axesFromInput && node.attrs.int('noop_with_empty_axes', 0) !== 0,
  };
}

/**
 * The reduced axes, sorted and non-negative, for an input of rank `rank`:
 * `given` as normalised, every axis when it is absent or empty, none when it
 * is empty and noop_with_empty_axes = 1.
 */
export function reducedAxes(a: ReduceAttrs, given: readonly number[] | undefined, rank: number, node: NodeView): number[] {
  if (given && given.length > 0) return normalizeAxes(given, rank, where(node));
  return a.noopWithEmptyAxes ? [] : Array.from({ length: rank }, (_, i) => i);
}

/** The axes a Reduce* node reduces in the VJP (the rule must save input 1). */
export function reduceAxesOf(ctx: RuleContext, rank: number): number[] {
  const a = reduceAttrs(ctx.node, ctx.opset);
  const attrs = ctx.node.attrs;
  const given = a.axesFromInput ? optionalIntsIn(ctx, 1) : attrs.has('axes') ? attrs.ints('axes', []) : undefined;
  return reducedAxes(a, given, rank, ctx.node);
}

/**
 * The reduction as the emitter can know it from static dims. Attribute axes
 * are static. An axes input is read by its dims: empty means every axis (or
 * none); with keepdims = 1 the reduced axes are those where the output's dim
 * differs from the input's (reducing a size-1 axis changes nothing); with
 * keepdims = 0 the removed positions cannot always be told from the dims, so
 * the emitter uses the axes input itself (Unsqueeze, ReduceSum).
 */
export function emitReduction(ctx: EmitContext): EmitReduction {
  const a = reduceAttrs(ctx.node, ctx.opset);
  const xDims = ctx.dims(ctx.inputs[0]!);
  const yDims = ctx.dims(ctx.outputs[0]!);
  const attrs = ctx.node.attrs;
  if (!a.axesFromInput) return { axes: reducedAxes(a, attrs.has('axes') ? attrs.ints('axes', []) : undefined, xDims.length, ctx.node) };
  const axesName = ctx.inputs[1] ?? '';
  if (axesName === '' || sizeOf(ctx.dims(axesName)) === 0) return { axes: reducedAxes(a, undefined, xDims.length, ctx.node) };
  if (!a.keepDims) return { axesInput: axesName };
  if (yDims.length !== xDims.length) {
    throw new InputError(`${where(ctx.node)}: output [${yDims.join(',')}] does not keep the rank of input [${xDims.join(',')}]`);
  }
  return { axes: xDims.map((_, i) => i).filter((i) => xDims[i] !== yDims[i]) };
}

/** The input x, and the output y and its gradient δ reshaped to the kept-dims form (a reduction that saves x and y). */
export function keptOperands(ctx: RuleContext): { x: Tensor; y: Tensor; dy: Tensor } {
  const x = floatIn(ctx, 0);
  const kept = keptDims(x.dims, reduceAxesOf(ctx, x.dims.length));
  return { x, y: reshape(floatOut(ctx, 0), kept), dy: reshape(ctx.gradOutputs[0]!, kept) };
}

/** The emitter's counterpart of keptOperands: names of x, y and δ in kept-dims form, x's dims and the reduction. */
export function keptOperandsEmit(ctx: EmitContext): { x: string; y: string; dy: string; xDims: readonly number[]; r: EmitReduction } {
  const x = ctx.inputs[0]!;
  const xDims = ctx.dims(x);
  const yDims = ctx.dims(ctx.outputs[0]!);
  const r = emitReduction(ctx);
  return { x, xDims, r, y: keptEmit(ctx, ctx.outputs[0]!, yDims, xDims, r), dy: keptEmit(ctx, ctx.gradOutputs[0]!, yDims, xDims, r) };
}
