/**
 * edgetune.CombineMaps (customops/combine-maps.ts):
 *   α = softmax(c) over axis 0,   Y[b,j] = Σ_i α_ij Z[b,i] + bias_j,
 * a 1×1 Conv of Z [N,I,H,W] with the kernel αᵀ [J,I,1,1]. Z, c and bias are
 * differentiable; Z and c are saved.
 *
 * The learned combination of feature maps of shared/docs/paper-rules.md, with
 * Z_i = x_i ∗ k_i and δ = ∂E/∂Y:
 *   ∂E/∂Z[b,i] = Σ_j α_ij δ[b,j]                     (ConvTranspose(δ, αᵀ))
 *   ∂E/∂α_ij = Σ_{b,u,v} δ_j ∘ Z_i                    (corr_valid(Z, δ), transposed)
 *   ∂E/∂c_ij = α_ij (∂E/∂α_ij − Σ_k α_kj ∂E/∂α_kj)    (softmax Jacobian)
 *   ∂E/∂bias_j = Σ_{b,u,v} δ_j
 * Emitted: α by Softmax, ∂Z by a 1×1 ConvTranspose, ∂α by a batched MatMul of
 * the [N,I,HW] and [N,HW,J] maps summed over N, the Jacobian with ReduceSum keepdims.
 */
import { softmaxColumns } from '../../../customops/combine-maps.js';
import { InputError } from '../../errors.js';
import { conv2dInputGrad, conv2dWeightGrad, reduceBiasGrad, type Conv2dAttrs } from '../../tensor/conv.js';
import { reshape, tensor, type Tensor } from '../../tensor/tensor.js';
import { transpose } from '../../tensor/transpose.js';
import { floatIn, type GradRule } from '../rule.js';
import {
  reduceSumEmit, reshapeEmit, softmaxColumnsBackwardEmit, softmaxColumnsEmit, swapLastEmit, transposeEmit,
} from '../../compile/emit-helpers.js';
import { reduceBiasGradEmit } from '../../compile/emit-conv.js';
import { conv2dInputGradEmit } from '../../compile/emit-conv-input.js';

const POINTWISE: Conv2dAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };

/**
 * Vector–Jacobian product of the column softmax α = softmax(c, axis 0) for
 * c [I,J]: given α and g = ∂E/∂α, returns ∂E/∂c with
 *   ∂E/∂c_ij = Σ_k g_kj ∂α_kj/∂c_ij = α_ij (g_ij − Σ_k α_kj g_kj),
 * accumulated in float64.
 */
export function softmaxColumnsBackward(alpha: ArrayLike<number>, g: ArrayLike<number>, I: number, J: number): Float64Array {
  const out = new Float64Array(I * J);
  for (let j = 0; j < J; j++) {
    let s = 0;
    for (let k = 0; k < I; k++) s += alpha[k * J + j]! * g[k * J + j]!;
    for (let i = 0; i < I; i++) out[i * J + j] = alpha[i * J + j]! * (g[i * J + j]! - s);
  }
  return out;
}

export const combineMaps: GradRule = {
  differentiable: [0, 1, 2],
  saves: { inputs: [0, 1], outputs: [] },
  vjp(ctx) {
    const z = floatIn(ctx, 0);
    const c = floatIn(ctx, 1);
    const dy = ctx.gradOutputs[0]!;
    if (z.dims.length !== 4 || c.dims.length !== 2 || c.dims[0] !== z.dims[1]) {
      throw new InputError(`node '${ctx.node.name}' (edgetune.CombineMaps): Z [${z.dims.join(',')}] and c [${c.dims.join(',')}] must be [N,I,H,W] and [I,J]`);
    }
    const [I, J] = c.dims as [number, number];
    const alpha = tensor([I, J], Float32Array.from(softmaxColumns(c.data, I, J)));
    const kernel = reshape(transpose(alpha, [1, 0]), [J, I, 1, 1]);
    let dc: Tensor | undefined;
    if (ctx.needs[1]) {
      const dAlphaT = reshape(conv2dWeightGrad(z, dy, kernel.dims, POINTWISE), [J, I]);
      const dAlpha = transpose(dAlphaT, [1, 0]);
      dc = tensor([I, J], Float32Array.from(softmaxColumnsBackward(alpha.data, dAlpha.data, I, J)));
    }
    return [
      ctx.needs[0] ? conv2dInputGrad(dy, kernel, z.dims, POINTWISE) : undefined,
      dc,
      ctx.needs[2] ? reduceBiasGrad(dy) : undefined,
    ];
  },
  emit(ctx) {
    const [z, c] = ctx.inputs as [string, string];
    const zDims = ctx.dims(z);
    const cDims = ctx.dims(c);
    const dy = ctx.gradOutputs[0]!;
    const dyDims = ctx.dims(ctx.outputs[0]!);
    if (zDims.length !== 4 || cDims.length !== 2 || cDims[0] !== zDims[1]) {
      throw new InputError(`node '${ctx.node.name}' (edgetune.CombineMaps): Z [${zDims.join(',')}] and c [${cDims.join(',')}] must be [N,I,H,W] and [I,J]`);
    }
    const [I, J] = cDims as [number, number];
    const [N, , H, W] = zDims as [number, number, number, number];
    const alpha = softmaxColumnsEmit(ctx, c, I, J);
    const kernel = () => reshapeEmit(ctx, transposeEmit(ctx, alpha, [I, J], [1, 0]), [J, I], [J, I, 1, 1]);
    let dc: string | undefined;
    if (ctx.needs[1]) {
      // ∂α_ij = Σ_b (Z_b · δ_bᵀ)_ij with Z_b [I,HW] and δ_b [J,HW].
      const z3 = reshapeEmit(ctx, z, zDims, [N, I, H * W]);
      const dy3 = reshapeEmit(ctx, dy, dyDims, [N, J, H * W]);
      const perBatch = ctx.op('MatMul', [z3, swapLastEmit(ctx, dy3, [N, J, H * W])]);
      const dAlpha = reduceSumEmit(ctx, perBatch, [N, I, J], [0], false);
      dc = softmaxColumnsBackwardEmit(ctx, alpha, dAlpha, I, J);
    }
    return [
      ctx.needs[0] ? conv2dInputGradEmit(ctx, dy, kernel(), [J, I, 1, 1], zDims, POINTWISE) : undefined,
      dc,
      ctx.needs[2] ? reduceBiasGradEmit(ctx, dy, dyDims) : undefined,
    ];
  },
};
