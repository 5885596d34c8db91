/**
 * LayerNormalization (opset 17): X normalised over every axis from `axis`
 * (default −1, negative counts from the end) on, each mean and biased
 * variance taken over the d = Π X.dims[axis:] elements of one leading index:
 *
 *   x̂ = (x − μ)/σ,  σ = sqrt(var + ε),  y = scale · x̂ + B,
 *
 * scale and the optional B broadcasting against X (numpy rules, aligned on the
 * right). With g = δ · scale, the means over those d elements:
 *
 *   ∂x     = (1/σ) · (g − mean(g) − x̂ · mean(g · x̂))
 *   ∂scale = Σ δ · x̂ over the axes scale is broadcast along (the leading ones)
 *   ∂B     = Σ δ     over the axes B is broadcast along
 *
 * stash_type sets only the precision the statistics are computed in; the
 * rule computes them in float32 whatever it is. The Mean and InvStdDev outputs
 * carry no gradient (affine-norm.ts). Emitted with basic ops (ReduceMean, Sub,
 * Mul, Sqrt, Reciprocal, ReduceSum), see src/compile/emit-normalize.ts.
 */
import { InputError } from '../../errors.js';
import type { AffineNormLayout } from '../../tensor/normalize.js';
import { affineNormRule, alignRight, label, type LayoutOf } from './affine-norm.js';

const layoutOf: LayoutOf = (node, _opset, xDims, scaleDims, biasDims): AffineNormLayout => {
  const r = xDims.length;
  const axis = node.attrs.int('axis', -1);
  if (axis < -r || axis >= r) throw new InputError(`${label(node)}: axis ${axis} is out of range for rank ${r}`);
  const a = axis < 0 ? axis + r : axis;
  return {
    xDims, view: xDims, axes: Array.from({ length: r - a }, (_, i) => a + i),
    scaleDims, scaleView: alignRight(node, 'Scale', scaleDims, r),
    ...(biasDims ? { biasDims, biasView: alignRight(node, 'B', biasDims, r) } : {}),
  };
};

export const layerNormalization = affineNormRule(layoutOf);
