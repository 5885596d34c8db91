/**
 * Resize (opsets 10, 11, 13, 18, 19): y = (⊗_a A_a)·x (+ extrapolation_value
 * where tf_crop_and_resize samples outside the input), one interpolation
 * matrix A_a [out_a, in_a] per resized axis, built by src/tensor/resize.ts
 * from the mode (nearest with every nearest_mode, linear over any number of
 * axes, cubic with cubic_coeff_a and exclude_outside, antialiased linear and
 * cubic), the coordinate_transformation_mode, the scales or sizes (with the
 * axes attribute and keep_aspect_ratio_policy from opset 18) and the roi.
 * Inputs: X, then scales (opset 10) or roi, scales, sizes (opset 11+, empty
 * names or empty tensors for the absent ones). Differentiable: X (0); roi,
 * scales and sizes are not (the output is piecewise constant in them).
 * Saves: X (its dims only) and the roi, scales and sizes inputs.
 *
 *   ∂L/∂x = (⊗_a A_aᵀ)·δ: δ scattered back through every axis's taps.
 *
 * Antialiasing together with tf_crop_and_resize is refused (UnsupportedError
 * naming the node): the kernel decides extrapolation there on a shifted
 * coordinate that is not a per-axis map.
 *
 * Emitted: per resized axis, the adjoint of A_a along that axis
 * (src/compile/emit-resize.ts). When A_a is known from the static shapes —
 * sizes given (keep_aspect_ratio_policy 'stretch') and no roi to read — it is
 * a constant: a block sum for a nearest upsampling by an integer factor, else
 * a few Gathers weighted by the inverse taps, else a MatMul by the constant
 * A_aᵀ. When it depends on values read at run time (a scales input, the roi),
 * A_a is produced by the node's own op applied to an identity matrix along
 * that axis (folded to a constant by ONNX Runtime) and δ is multiplied by it.
 * Where those values are constants of the model (initializers, Constant
 * nodes: what exporters write for a fixed scale factor), the maps are built
 * from them as the TypeScript rule builds them instead. An axis whose length
 * the node keeps is left out unless its map is not the identity (a scale
 * like 1.05 on 8 positions, a cropping roi) by the values the shape pass
 * read for the first batch (emitReads: scales and roi); then it is probed
 * as well, at run time. Where the pass cannot give them (float16 scales)
 * such an axis is taken as unscaled, and scales that change from batch to
 * batch while every dim stays are followed only on the axes the first batch
 * showed scaled (the TypeScript rule reads each batch's values). When every
 * axis keeps its length ONNX Runtime copies the input, and so does the
 * gradient. keep_aspect_ratio_policy other than 'stretch' takes its sizes
 * from the model's constants; with sizes computed at run time it is refused:
 * its scale comes from sizes the static shapes do not give back.
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { applyAxisMapsAdjoint, type AxisMap } from '../../tensor/axis-map.js';
import {
  COORDINATE_MODES, NEAREST_MODES, resizeMaps, shapeFromScales, shapeFromSizes,
  type AspectPolicy, type CoordinateMode, type NearestMode, type ResizeAttrs, type ResizeMode, type ResizeShape,
} from '../../tensor/resize.js';
import { sizeOf, type Tensor } from '../../tensor/tensor.js';
import type { GradRule, RuleContext, RuleSaves } from '../rule.js';
import { savedDims } from './reshape.js';
import type { EmitContext } from '../../compile/emit.js';
import { resizeEmit, type ResizeEmitPlan } from '../../compile/emit-resize.js';

const where = (node: NodeView) => `node '${node.name}' (${node.opType})`;

/** Whether the node is the pre-opset-10 Upsample or a Resize read with its opset-10 form. */
function legacyForm(node: NodeView, opset: number): boolean {
  return node.opType === 'Upsample' || opset < 11;
}

/** The interpolation attributes of a Resize or Upsample node at the model's opset. */
export function resizeAttrsOf(node: NodeView, opset: number): ResizeAttrs {
  const a = node.attrs;
  const mode = a.string('mode', 'nearest');
  const modes: string[] = legacyForm(node, opset) ? ['nearest', 'linear'] : ['nearest', 'linear', 'cubic'];
  if (!modes.includes(mode)) throw new UnsupportedError(`${where(node)}: mode '${mode}' is not supported (${modes.join(', ')})`);
  if (legacyForm(node, opset)) {
    return { mode: mode as ResizeMode, coordinate: 'asymmetric', nearest: 'simple', cubicA: -0.75, excludeOutside: false, antialias: false };
  }
  const coordinate = a.string('coordinate_transformation_mode', 'half_pixel');
  if (!(COORDINATE_MODES as readonly string[]).includes(coordinate)) {
    throw new UnsupportedError(`${where(node)}: coordinate_transformation_mode '${coordinate}' is not supported`);
  }
  const nearest = a.string('nearest_mode', 'round_prefer_floor');
  if (!(NEAREST_MODES as readonly string[]).includes(nearest)) throw new UnsupportedError(`${where(node)}: nearest_mode '${nearest}' is not supported`);
  const antialias = opset >= 18 && a.int('antialias', 0) !== 0 && mode !== 'nearest';
  if (antialias && coordinate === 'tf_crop_and_resize') {
    throw new UnsupportedError(`${where(node)}: antialias with coordinate_transformation_mode 'tf_crop_and_resize' is not supported`);
  }
  return {
    mode: mode as ResizeMode, coordinate: coordinate as CoordinateMode, nearest: nearest as NearestMode,
    cubicA: a.float('cubic_coeff_a', -0.75), excludeOutside: a.int('exclude_outside', 0) !== 0, antialias,
  };
}

/** The axes attribute (opset 18+), made non-negative; undefined when absent. */
export function resizeAxesOf(node: NodeView, opset: number, rank: number): number[] | undefined {
  if (opset < 18 || node.opType !== 'Resize' || !node.attrs.has('axes')) return undefined;
  return node.attrs.ints('axes', []).map((a0) => {
    const a = a0 < 0 ? a0 + rank : a0;
    if (a < 0 || a >= rank) throw new InputError(`${where(node)}: axis ${a0} is out of range for rank ${rank}`);
    return a;
  });
}

export function aspectPolicyOf(node: NodeView, opset: number): AspectPolicy {
  if (opset < 18 || node.opType !== 'Resize') return 'stretch';
  const p = node.attrs.string('keep_aspect_ratio_policy', 'stretch');
  if (p !== 'stretch' && p !== 'not_larger' && p !== 'not_smaller') throw new UnsupportedError(`${where(node)}: keep_aspect_ratio_policy '${p}' is not supported`);
  return p;
}

/** Where a node's scales, sizes and roi come from (input indices; -1 where the form has none). */
export interface ResizeInputSlots {
  roi: number;
  scales: number;
  sizes: number;
}

export function resizeSlots(node: NodeView, opset: number): ResizeInputSlots {
  if (node.opType === 'Upsample') return { roi: -1, scales: opset >= 9 ? 1 : -1, sizes: -1 };
  return opset < 11 ? { roi: -1, scales: 1, sizes: -1 } : { roi: 1, scales: 2, sizes: 3 };
}

/** The values of a node's scales, sizes and roi (undefined where absent or empty). */
export interface ResizeValues {
  scales?: readonly number[];
  sizes?: readonly number[];
  roi?: readonly number[];
}

/** Spread per-listed-axis values over every axis (the rest `fill`). */
function overAxes(values: readonly number[], axes: readonly number[] | undefined, rank: number, fill: (a: number) => number): number[] {
  if (!axes) return [...values];
  if (values.length !== axes.length) throw new InputError(`Resize: ${values.length} values for ${axes.length} axes`);
  const out = Array.from({ length: rank }, (_, a) => fill(a));
  axes.forEach((a, i) => { out[a] = values[i]!; });
  return out;
}

/** Output dims and per-axis scales of a Resize/Upsample node on input dims xDims. */
export function resizeShapeOf(node: NodeView, opset: number, xDims: readonly number[], v: ResizeValues): ResizeShape {
  const r = xDims.length;
  const axes = resizeAxesOf(node, opset, r);
  if (node.opType === 'Upsample' && opset < 9) return shapeFromScales(xDims, node.attrs.floats('scales', []));
  if (v.scales && v.scales.length > 0) return shapeFromScales(xDims, overAxes(v.scales, axes, r, () => 1));
  if (v.sizes && v.sizes.length > 0) {
    return shapeFromSizes(xDims, overAxes(v.sizes, axes, r, (a) => xDims[a]!), aspectPolicyOf(node, opset), axes);
  }
  throw new InputError(`${where(node)}: neither scales nor sizes are given`);
}

/** The roi over every axis, [starts…, ends…] (undefined unless tf_crop_and_resize reads it). */
function roiOf(node: NodeView, opset: number, attrs: ResizeAttrs, rank: number, roi: readonly number[] | undefined): number[] | undefined {
  if (attrs.coordinate !== 'tf_crop_and_resize' || !roi || roi.length === 0) return undefined;
  const axes = resizeAxesOf(node, opset, rank);
  const n = axes ? axes.length : rank;
  if (roi.length !== 2 * n) throw new InputError(`${where(node)}: roi has ${roi.length} values for ${n} axes`);
  return [...overAxes(roi.slice(0, n), axes, rank, () => 0), ...overAxes(roi.slice(n), axes, rank, () => 1)];
}

/** The per-axis maps of a Resize/Upsample node (undefined where an axis is untouched) and its output dims. */
export function resizeNodeMaps(
  node: NodeView, opset: number, xDims: readonly number[], v: ResizeValues,
): { maps: (AxisMap | undefined)[]; outDims: number[] } {
  const attrs = resizeAttrsOf(node, opset);
  const shape = resizeShapeOf(node, opset, xDims, v);
  return { maps: resizeMaps(attrs, xDims, shape, roiOf(node, opset, attrs, xDims.length, v.roi)), outDims: shape.outDims };
}

function valuesIn(ctx: RuleContext, k: number): number[] | undefined {
  if (k < 0 || !ctx.node.inputs[k]) return undefined;
  const t = ctx.inputs[k];
  if (!t) throw new InputError(`${where(ctx.node)}: input ${k} was not saved for the backward pass`);
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
}

/** ∂L/∂x for Resize and Upsample: δ through every axis's transposed map. */
export function resizeVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const xDims = savedDims(ctx, 0);
  const slots = resizeSlots(ctx.node, ctx.opset);
  const values: ResizeValues = {};
  const scales = valuesIn(ctx, slots.scales);
  const sizes = valuesIn(ctx, slots.sizes);
  const roi = valuesIn(ctx, slots.roi);
  if (scales) values.scales = scales;
  if (sizes) values.sizes = sizes;
  if (roi) values.roi = roi;
  const { maps, outDims } = resizeNodeMaps(ctx.node, ctx.opset, xDims, values);
  if (outDims.length !== dy.dims.length || outDims.some((d, i) => d !== dy.dims[i])) {
    throw new InputError(`${where(ctx.node)}: output gradient [${dy.dims.join(',')}] does not match the resized shape [${outDims.join(',')}]`);
  }
  return [applyAxisMapsAdjoint(dy, maps)];
}

/**
 * How the emitter gets each axis's map: constants from the static shapes where
 * they determine it, otherwise the probe of the node's own op.
 */
export function resizeEmitPlan(ctx: EmitContext): ResizeEmitPlan {
  const { node, opset } = ctx;
  const attrs = resizeAttrsOf(node, opset);
  const xDims = ctx.dims(ctx.inputs[0]!);
  const yDims = ctx.dims(ctx.outputs[0]!);
  const r = xDims.length;
  const slots = resizeSlots(node, opset);
  const present = (k: number) => k >= 0 && !!ctx.inputs[k] && sizeOf(ctx.dims(ctx.inputs[k]!)) > 0;
  const crop = attrs.coordinate === 'tf_crop_and_resize' && present(slots.roi);
  const plan: ResizeEmitPlan = { attrs, xDims, yDims, opType: node.opType === 'Upsample' ? 'Upsample' : 'Resize' };
  if (node.opType === 'Upsample' && opset < 9) {
    plan.maps = resizeNodeMaps(node, opset, xDims, {}).maps;
    return plan;
  }
  const byScales = present(slots.scales);
  const policy = aspectPolicyOf(node, opset);
  if (!byScales && !crop && policy === 'stretch') {
    plan.maps = resizeMaps(attrs, xDims, shapeFromSizes(xDims, yDims));
    return plan;
  }
  // scales, roi and sizes that are constants of the model give the maps as the TypeScript rule builds them
  const known = (k: number) => (present(k) ? ctx.constantValues(ctx.inputs[k]!) : []);
  const [scales, roi, sizes] = [known(slots.scales), crop ? known(slots.roi) : [], known(slots.sizes)];
  if (scales && roi && sizes) {
    const values: ResizeValues = {};
    if (scales.length > 0) values.scales = [...scales];
    if (sizes.length > 0) values.sizes = [...sizes];
    if (roi.length > 0) values.roi = [...roi];
    const { maps, outDims } = resizeNodeMaps(node, opset, xDims, values);
    if (outDims.every((d, i) => d === yDims[i])) {
      plan.maps = maps;
      return plan;
    }
  }
  if (!byScales && policy !== 'stretch') {
    throw new UnsupportedError(`${where(node)}: keep_aspect_ratio_policy '${policy}' with sizes computed at run time has no emitter (its scale is not recoverable from the static shapes)`);
  }
  const axes = resizeAxesOf(node, opset, r);
  const count = axes ? axes.length : r;
  const slot = (a: number) => (axes ? axes.indexOf(a) : a);
  plan.probe = {
    ...(byScales ? { scales: ctx.inputs[slots.scales]! } : {}),
    ...(crop ? { roi: ctx.inputs[slots.roi]! } : {}),
    slot,
    count,
    kept: scaledKeptAxes(ctx, xDims, yDims, byScales ? slots.scales : -1, crop ? slots.roi : -1),
  };
  return plan;
}

/**
 * The axes whose length the node keeps but whose map is not the identity
 * (a scale like 1.05 on 8 positions, a roi that crops), by the maps the
 * first batch's scales and roi give (the shape pass's values): those the
 * emitter probes too. Without those values, none.
 */
function scaledKeptAxes(ctx: EmitContext, xDims: readonly number[], yDims: readonly number[], scalesAt: number, roiAt: number): number[] {
  const read = (k: number) => (k < 0 || !ctx.inputs[k] ? [] : ctx.constantValues(ctx.inputs[k]!) ?? ctx.recordedValues(ctx.inputs[k]!));
  const [scales, roi] = [read(scalesAt), read(roiAt)];
  if (!scales || !roi) return [];
  const axes = resizeAxesOf(ctx.node, ctx.opset, xDims.length);
  const values: ResizeValues = scales.length > 0 ? { scales: [...scales] } : { sizes: axes ? axes.map((a) => yDims[a]!) : [...yDims] };
  if (roi.length > 0) values.roi = [...roi];
  const { maps, outDims } = resizeNodeMaps(ctx.node, ctx.opset, xDims, values);
  if (outDims.some((d, i) => d !== yDims[i])) return [];
  return xDims.flatMap((d, a) => (d === yDims[a] && maps[a] ? [a] : []));
}

export const resize: GradRule = {
  differentiable: [0],
  saves: (node: NodeView): RuleSaves => ({ inputs: node.inputs.map((_, i) => i), outputs: [] }),
  vjp: resizeVjp,
  emit: (ctx) => [resizeEmit(ctx, resizeEmitPlan(ctx))],
  emitReads: (node, opset) => {
    const slots = resizeSlots(node, opset);
    return [slots.scales, slots.roi].filter((k) => k >= 0);
  },
};
