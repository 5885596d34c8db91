/**
 * AveragePool (1-D, 2-D and 3-D): y = (Σ of the in-bounds window taps) / divisor,
 * the divisor counting the padded taps too when count_include_pad = 1.
 * Differentiable: X (0). Saves: X (its dims only).
 *
 *   ∂L/∂x = avgPoolNdGrad(δ): every in-bounds tap of window k receives δ_k / divisor_k,
 *
 * the paper's `up(δ)` with its 1/n² factor (paper-rules.md, convolution layer
 * followed by an averaging subsampling layer) generalised to strides, pads,
 * dilations and ceil mode.
 * Emitted: δ times a constant map of 1/divisor, then Expand blocks for windows
 * that tile the input, else a ConvTranspose with an all-ones kernel.
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { avgPoolNdGrad, poolOutputDims, type PoolAttrs } from '../../tensor/pool.js';
import { reshape, sameShape, type Tensor } from '../../tensor/tensor.js';
import type { GradRule, RuleContext } from '../rule.js';
import { reshapeEmit } from '../../compile/emit-helpers.js';
import { avgPoolGradEmit, pooledGradEmit } from '../../compile/emit-pool.js';
import { savedDims } from './reshape.js';

/**
 * A pooling node's window on a given input, in the kernels' form: 1-D pooling
 * lifted to 2-D over H = 1, 2-D and 3-D pooling as they are.
 */
export interface PoolWindow {
  /** kernel, strides, dilations and pads over the kernels' 2 (or 3) spatial axes */
  attrs: PoolAttrs;
  /** the input's dims as [N,C,H,W] (a 1-D input [N,C,L] becomes [N,C,1,L]), or [N,C,D,H,W] */
  dims4: number[];
  /** the pooled output's dims in the same form */
  out4: number[];
}

function label(node: NodeView): string {
  return `node '${node.name}' (${node.opType})`;
}

/**
 * Pads from auto_pad as ONNX Runtime computes them: for SAME_UPPER/SAME_LOWER
 * the total is (⌈in/s⌉ − 1)·s + k − in with the undilated kernel k, the odd
 * unit going to the end (UPPER) or the start (LOWER); VALID pads nothing.
 */
function autoPads(node: NodeView, mode: string, xSpatial: readonly number[], kernel: readonly number[], strides: readonly number[]): number[] {
  const r = xSpatial.length;
  const pads = new Array<number>(2 * r).fill(0);
  if (mode === 'VALID') return pads;
  if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') throw new InputError(`${label(node)}: unknown auto_pad '${mode}'`);
  for (let a = 0; a < r; a++) {
    const inSize = xSpatial[a]!;
    const s = strides[a]!;
    const need = (Math.ceil(inSize / s) - 1) * s + kernel[a]! - inSize;
    const head = mode === 'SAME_UPPER' ? Math.trunc(need / 2) : Math.trunc((need + 1) / 2);
    if (head < 0 || need - head < 0) {
      throw new UnsupportedError(`${label(node)}: auto_pad ${mode} gives negative pads for input size ${inSize}, kernel ${kernel[a]}, stride ${s}`);
    }
    pads[a] = head;
    pads[a + r] = need - head;
  }
  return pads;
}

/**
 * The window of an AveragePool/MaxPool node on an input of dims `xDims`:
 * kernel_shape, strides, pads or auto_pad, dilations, ceil_mode and
 * count_include_pad, with 1-D pooling expressed as 2-D pooling over H = 1.
 * Pooling over four or more spatial axes throws UnsupportedError.
 */
export function poolWindow(node: NodeView, xDims: readonly number[]): PoolWindow {
  const r = xDims.length - 2;
  if (r < 1) throw new InputError(`${label(node)}: input [${xDims.join(',')}] has no spatial axis`);
  if (r > 3) throw new UnsupportedError(`${label(node)}: ${r}-D pooling is not supported`);
  const a = node.attrs;
  const kernel = a.ints('kernel_shape', []);
  if (kernel.length !== r) throw new InputError(`${label(node)}: kernel_shape [${kernel.join(',')}] does not fit input [${xDims.join(',')}]`);
  const strides = a.ints('strides', new Array<number>(r).fill(1));
  const dilations = a.ints('dilations', new Array<number>(r).fill(1));
  const autoPad = a.string('auto_pad', 'NOTSET');
  const spatial = xDims.slice(2);
  const pads = autoPad === 'NOTSET' ? a.ints('pads', new Array<number>(2 * r).fill(0)) : autoPads(node, autoPad, spatial, kernel, strides);
  if (strides.length !== r || dilations.length !== r || pads.length !== 2 * r) {
    throw new InputError(`${label(node)}: strides, dilations or pads do not fit ${r} spatial axes`);
  }
  const ceilMode = a.int('ceil_mode', 0) !== 0;
  const countIncludePad = a.int('count_include_pad', 0) !== 0;
  const [N, C] = xDims as [number, number];
  const attrs: PoolAttrs = r === 1
    ? { kernel: [1, kernel[0]!], strides: [1, strides[0]!], pads: [0, pads[0]!, 0, pads[1]!], dilations: [1, dilations[0]!], ceilMode, countIncludePad }
    : { kernel, strides, pads, dilations, ceilMode, countIncludePad };
  const dims4 = r === 1 ? [N, C, 1, spatial[0]!] : [...xDims];
  return { attrs, dims4, out4: poolOutputDims(dims4, attrs) };
}

/** δ (the gradient of the pooled output) in the window's form, after checking its size. */
export function pooledGrad(ctx: RuleContext, w: PoolWindow): Tensor {
  const dy = ctx.gradOutputs[0]!;
  const flat = (d: readonly number[]) => (d.length === 3 ? [d[0]!, d[1]!, 1, d[2]!] : [...d]);
  if (!sameShape(flat(dy.dims), w.out4)) {
    throw new InputError(`${label(ctx.node)}: output gradient [${dy.dims.join(',')}] does not match the pooled shape [${w.out4.join(',')}]`);
  }
  return reshape(dy, w.out4);
}

export const averagePool: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const xDims = savedDims(ctx, 0);
    const w = poolWindow(ctx.node, xDims);
    return [reshape(avgPoolNdGrad(pooledGrad(ctx, w), w.dims4, w.attrs), xDims)];
  },
  emit(ctx) {
    const xDims = ctx.dims(ctx.inputs[0]!);
    const w = poolWindow(ctx.node, xDims);
    return [reshapeEmit(ctx, avgPoolGradEmit(ctx, pooledGradEmit(ctx, w), w), w.dims4, xDims)];
  },
};
