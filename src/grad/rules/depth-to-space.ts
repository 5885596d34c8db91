/**
 * DepthToSpace: x [N, C, H, W] → y [N, C/b², H·b, W·b] (b = blocksize) as
 * reshape → transpose → reshape:
 *   DCR (default): [N, b, b, C/b², H, W], perm [0, 3, 4, 1, 5, 2]
 *   CRD (opset 11+): [N, C/b², b, b, H, W], perm [0, 1, 4, 2, 5, 3]
 * Differentiable: input (0). Saves nothing (x's dims follow from δ's).
 *
 *   ∂L/∂x = reshape(transpose(reshape(δ, perm(T)), perm⁻¹), x.dims)
 *
 * the inverse permutation (for DCR exactly SpaceToDepth(δ)). Emitted: Reshape,
 * Transpose, Reshape.
 */
import { InputError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { reshape, type Tensor } from '../../tensor/tensor.js';
import { invertPerm, transpose } from '../../tensor/transpose.js';
import type { GradRule } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { reshapeEmit, transposeEmit } from '../../compile/emit-helpers.js';

/** A block rearrangement as its forward reshape–transpose–reshape: x dims → T → transpose(perm) → y dims. */
export interface BlockPermutation {
  xDims: number[];
  tDims: number[];
  perm: number[];
  yDims: number[];
}

function label(node: NodeView): string {
  return `node '${node.name}' (${node.opType})`;
}

function blocksize(node: NodeView, dims: readonly number[]): number {
  const b = node.attrs.int('blocksize', 0);
  if (b < 1 || dims.length !== 4) throw new InputError(`${label(node)}: blocksize ${b} on [${dims.join(',')}] (a 4-D input and blocksize ≥ 1 are required)`);
  return b;
}

/** DepthToSpace's permutation, from the output's dims [N, C', H', W']. */
export function depthToSpacePermutation(node: NodeView, yDims: readonly number[]): BlockPermutation {
  const b = blocksize(node, yDims);
  const [N, c, Hb, Wb] = yDims as [number, number, number, number];
  const H = Hb / b;
  const W = Wb / b;
  const mode = node.attrs.string('mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') throw new InputError(`${label(node)}: unknown mode '${mode}'`);
  const dcr = mode === 'DCR';
  return {
    xDims: [N, c * b * b, H, W],
    tDims: dcr ? [N, b, b, c, H, W] : [N, c, b, b, H, W],
    perm: dcr ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3],
    yDims: [...yDims],
  };
}

/** The gradient of a block permutation: δ through the inverse rearrangement. */
export function blockPermutationGrad(dy: Tensor, p: BlockPermutation): Tensor {
  const moved = reshape(dy, p.perm.map((a) => p.tDims[a]!));
  return reshape(transpose(moved, invertPerm(p.perm)), p.xDims);
}

export function blockPermutationGradEmit(ctx: EmitContext, dy: string, p: BlockPermutation): string {
  const movedDims = p.perm.map((a) => p.tDims[a]!);
  const moved = reshapeEmit(ctx, dy, p.yDims, movedDims);
  return reshapeEmit(ctx, transposeEmit(ctx, moved, movedDims, invertPerm(p.perm)), p.tDims, p.xDims);
}

export const depthToSpace: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [] },
  vjp: (ctx) => [blockPermutationGrad(ctx.gradOutputs[0]!, depthToSpacePermutation(ctx.node, ctx.gradOutputs[0]!.dims))],
  emit: (ctx) => [blockPermutationGradEmit(ctx, ctx.gradOutputs[0]!, depthToSpacePermutation(ctx.node, ctx.dims(ctx.outputs[0]!)))],
};

/** SpaceToDepth's permutation, from the output's dims [N, C·b², H/b, W/b]. */
export function spaceToDepthPermutation(node: NodeView, yDims: readonly number[]): BlockPermutation {
  const b = blocksize(node, yDims);
  const [N, Cbb, h, w] = yDims as [number, number, number, number];
  const C = Cbb / (b * b);
  return { xDims: [N, C, h * b, w * b], tDims: [N, C, h, b, w, b], perm: [0, 3, 5, 1, 2, 4], yDims: [...yDims] };
}
