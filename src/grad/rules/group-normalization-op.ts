/**
 * GroupNormalization (opset 18 and 21): X [N,C,D1,…] with its C channels split
 * into num_groups groups of C/G consecutive channels, normalised per sample and
 * group over the group's channels and spatial positions (biased variance):
 *
 *   x̂ = (x − μ_ng)/σ_ng,  σ = sqrt(var + ε),  y = scale · x̂ + bias.
 *
 * scale and bias hold one value per group [G] in opset 18 (to 20) and one per
 * channel [C] from opset 21. Both forms are handled on the view
 * [N, G, C/G, S] (S = D1·D2·…), the statistics over its axes 2 and 3 and the
 * parameters broadcasting as [1,G,1,1] or [1,G,C/G,1]. With g = δ · scale:
 *
 *   ∂x     = (1/σ) · (g − mean(g) − x̂ · mean(g · x̂))
 *   ∂scale = Σ δ · x̂ over N, S (and the group's channels in opset 18)
 *   ∂bias  = Σ δ     over the same axes
 *
 * stash_type (opset 21) sets only the precision of the statistics. Emitted
 * with basic ops (src/compile/emit-normalize.ts). The file is named for the
 * op with a suffix because group-normalization.ts is the registry's group file.
 */
import { InputError } from '../../errors.js';
import type { AffineNormLayout } from '../../tensor/normalize.js';
import { sizeOf } from '../../tensor/tensor.js';
import { affineNormRule, label, type LayoutOf } from './affine-norm.js';

const layoutOf: LayoutOf = (node, opset, xDims, scaleDims, biasDims): AffineNormLayout => {
  if (xDims.length < 2) throw new InputError(`${label(node)}: input [${xDims.join(',')}] has no channel axis`);
  const [n, c] = xDims as [number, number];
  const groups = node.attrs.int('num_groups', 0);
  if (groups < 1 || c % groups !== 0) throw new InputError(`${label(node)}: num_groups ${groups} does not divide ${c} channels`);
  const perChannel = opset >= 21;
  const want = perChannel ? c : groups;
  for (const [what, d] of [['scale', scaleDims], ['bias', biasDims ?? [want]]] as const) {
    if (sizeOf(d) !== want) {
      throw new InputError(`${label(node)}: ${what} [${d.join(',')}] should hold ${want} values (one per ${perChannel ? 'channel' : 'group'} at opset ${opset})`);
    }
  }
  const paramView = [1, groups, perChannel ? c / groups : 1, 1];
  return {
    xDims, view: [n, groups, c / groups, sizeOf(xDims.slice(2))], axes: [2, 3],
    scaleDims, scaleView: paramView,
    ...(biasDims ? { biasDims, biasView: paramView } : {}),
  };
};

export const groupNormalization = affineNormRule(layoutOf);
