/**
 * BatchNormalization in inference form (training_mode absent or 0), per
 * channel c on axis 1:
 *
 *   x̂ = (x − mean_c) / sqrt(var_c + ε),   y = scale_c · x̂ + B_c.
 *
 * Differentiable: X (0), scale (1), B (2). The running statistics input_mean
 * (3) and input_var (4) are not: they are never trained, and leaving them out
 * here keeps them out of the trainable set. Saves: X, scale, input_mean,
 * input_var.
 *
 *   ∂L/∂x     = δ · scale_c / sqrt(var_c + ε)
 *   ∂L/∂scale = Σ_{n,spatial} δ · x̂
 *   ∂L/∂B     = Σ_{n,spatial} δ
 *
 * The statistics broadcast as [1, C, 1, …]; with the legacy spatial = 0
 * (opset < 9) they are shaped like one sample, [C, D1, …], and broadcast as
 * [1, C, D1, …] with the same formulas.
 * Emitted: 1/sqrt(var + ε) from the var input, Mul for ∂x, ReduceSum for
 * ∂B = Σ δ and for Σ δ·x, with ∂scale = (Σ δ·x − mean·Σ δ) / sqrt(var + ε)
 * per channel after the sums. Over maps of at most 16 positions ∂x's
 * per-channel factor is first expanded over the map (from opset 8): ONNX
 * Runtime multiplies by a [1, C, 1, 1] factor one channel row at a time,
 * which costs more than the product itself on short rows (ResNet-18's
 * [32, 512, 2, 2]: 0.12 vs 0.03–0.06 ms).
 */
import { UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
import { reshape, zipWith, type Tensor } from '../../tensor/tensor.js';
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { expandToEmit, reduceToShapeEmit, reshapeEmit } from '../../compile/emit-helpers.js';

/** The most positions of a map over which ∂x's per-channel factor is expanded before the product. */
const SHORT_MAP = 16;

/**
 * Whether the node normalises with batch statistics: training_mode = 1
 * (opset 14+), or, as ONNX Runtime decides at every opset, a node that asks
 * for the running-statistics outputs besides Y.
 */
function isTraining(node: NodeView): boolean {
  return node.attrs.int('training_mode', 0) !== 0 || node.outputs.filter((o) => o !== '').length > 1;
}

/** The statistics' shape aligned with x for broadcasting: [1, ...stats, 1, …]. */
function statsShape(stats: readonly number[], rank: number): number[] {
  return [1, ...stats, ...new Array<number>(Math.max(0, rank - 1 - stats.length)).fill(1)];
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const node = ctx.node;
  if (isTraining(node)) {
    throw new UnsupportedError(`node '${node.name}' (${node.opType}): training-mode batch normalization is not supported`);
  }
  const eps = node.attrs.float('epsilon', 1e-5);
  const dy = ctx.gradOutputs[0]!;
  const scale = floatIn(ctx, 1);
  const variance = floatIn(ctx, 4);
  const bShape = statsShape(scale.dims, dy.dims.length);
  const invStd = reshape({ dims: variance.dims, data: variance.data.map((v) => 1 / Math.sqrt(v + eps)) }, bShape);
  const out: (Tensor | undefined)[] = [];
  if (ctx.needs[0]) out[0] = binaryOp(dy, zipWith(reshape(scale, bShape), invStd, (g, s) => g * s), (g, k) => g * k);
  if (ctx.needs[1]) {
    const mean = reshape(floatIn(ctx, 3), bShape);
    const xHat = binaryOp(binaryOp(floatIn(ctx, 0), mean, (v, m) => v - m), invStd, (c, k) => c * k);
    out[1] = reshape(reduceToShape(zipWith(dy, xHat, (g, h) => g * h), bShape), scale.dims);
  }
  if (ctx.needs[2]) out[2] = reshape(reduceToShape(dy, bShape), scale.dims);
  return out;
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const node = ctx.node;
  if (isTraining(node)) {
    throw new UnsupportedError(`node '${node.name}' (${node.opType}): training-mode batch normalization is not supported`);
  }
  const eps = node.attrs.float('epsilon', 1e-5);
  const dy = ctx.gradOutputs[0]!;
  const dyDims = ctx.dims(ctx.outputs[0]!);
  const scale = ctx.inputs[1]!;
  const statDims = ctx.dims(scale);
  const bShape = statsShape(statDims, dyDims.length);
  const invStd = reshapeEmit(ctx, ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [ctx.inputs[4]!, ctx.floats([eps], [])])])]), statDims, bShape);
  const out: (string | undefined)[] = [];
  if (ctx.needs[0]) {
    const factor = ctx.op('Mul', [reshapeEmit(ctx, scale, statDims, bShape), invStd]);
    const mapSize = dyDims.slice(1 + statDims.length).reduce((a, b) => a * b, 1);
    const short = ctx.opset >= 8 && mapSize > 1 && mapSize <= SHORT_MAP;
    out[0] = ctx.op('Mul', [dy, short ? expandToEmit(ctx, factor, bShape, [1, ...dyDims.slice(1)]) : factor]);
  }
  if (!ctx.needs[1] && !ctx.needs[2]) return out;
  const sumDy = reduceToShapeEmit(ctx, dy, dyDims, bShape);
  if (ctx.needs[1]) {
    // Σ δ·(x − mean)·invStd = (Σ δ·x − mean·Σ δ)·invStd: the centring and invStd, constant per channel, applied
    // after the sums, so that one full-size product is all it adds to ∂B's sum (a full-size Sub and its output fewer)
    const mean = reshapeEmit(ctx, ctx.inputs[3]!, statDims, bShape);
    const sumDyX = reduceToShapeEmit(ctx, ctx.op('Mul', [dy, ctx.inputs[0]!]), dyDims, bShape);
    const centred = ctx.op('Sub', [sumDyX, ctx.op('Mul', [mean, sumDy])]);
    out[1] = reshapeEmit(ctx, ctx.op('Mul', [centred, invStd]), bShape, statDims);
  }
  if (ctx.needs[2]) out[2] = reshapeEmit(ctx, sumDy, bShape, statDims);
  return out;
}

export const batchNormalization: GradRule = {
  differentiable: [0, 1, 2],
  saves: { inputs: [0, 1, 3, 4], outputs: [] },
  vjp,
  emit,
};
