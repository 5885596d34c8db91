/**
 * SpaceToDepth: x [N, C, H, W] → y [N, C·b², H/b, W/b] (b = blocksize) as
 * reshape [N, C, H/b, b, W/b, b] → transpose [0, 3, 5, 1, 2, 4] → reshape.
 * Differentiable: input (0). Saves nothing (x's dims follow from δ's).
 *
 *   ∂L/∂x = reshape(transpose(reshape(δ, [N, b, b, C, H/b, W/b]), perm⁻¹), x.dims)
 *
 * the inverse permutation (DepthToSpace in DCR mode). Emitted: Reshape,
 * Transpose, Reshape.
 */
import type { GradRule } from '../rule.js';
import { blockPermutationGrad, blockPermutationGradEmit, spaceToDepthPermutation } from './depth-to-space.js';

export const spaceToDepth: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [] },
  vjp: (ctx) => [blockPermutationGrad(ctx.gradOutputs[0]!, spaceToDepthPermutation(ctx.node, ctx.gradOutputs[0]!.dims))],
  emit: (ctx) => [blockPermutationGradEmit(ctx, ctx.gradOutputs[0]!, spaceToDepthPermutation(ctx.node, ctx.dims(ctx.outputs[0]!)))],
};
