/**
 * InstanceNormalization (opset 6+): X [N,C,D1,…] normalised per sample and
 * channel over its spatial axes (n = D1·D2·…, biased variance):
 *
 *   x̂ = (x − μ_nc)/σ_nc,  σ = sqrt(var + ε),  y = scale_c · x̂ + B_c.
 *
 * With g = δ · scale_c and the means over each [n, c] plane:
 *
 *   ∂x     = (1/σ) · (g − mean(g) − x̂ · mean(g · x̂))
 *   ∂scale = Σ_{n, spatial} δ · x̂
 *   ∂B     = Σ_{n, spatial} δ
 *
 * Emitted with basic ops (src/compile/emit-normalize.ts): ReduceMean with its
 * axes as an attribute before opset 18.
 */
import { InputError } from '../../errors.js';
import type { AffineNormLayout } from '../../tensor/normalize.js';
import { sizeOf } from '../../tensor/tensor.js';
import { affineNormRule, label, type LayoutOf } from './affine-norm.js';

const layoutOf: LayoutOf = (node, _opset, xDims, scaleDims, biasDims): AffineNormLayout => {
  const r = xDims.length;
  if (r < 3) throw new InputError(`${label(node)}: input [${xDims.join(',')}] has no spatial axis`);
  const c = xDims[1]!;
  for (const [what, d] of [['scale', scaleDims], ['B', biasDims ?? [c]]] as const) {
    if (sizeOf(d) !== c) throw new InputError(`${label(node)}: ${what} [${d.join(',')}] does not hold one value per channel (${c})`);
  }
  const channel = xDims.map((d, i) => (i === 1 ? d : 1));
  return {
    xDims, view: xDims, axes: Array.from({ length: r - 2 }, (_, i) => i + 2),
    scaleDims, scaleView: channel,
    ...(biasDims ? { biasDims, biasView: channel } : {}),
  };
};

export const instanceNormalization = affineNormRule(layoutOf);
