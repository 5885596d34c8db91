/**
 * Resize (and Upsample) as a separable linear map: for every resized axis a,
 * y = A_a·x along a, with A_a [out, in] built here from the op's attributes,
 * scale and region of interest — the one place the interpolation tables are
 * written, read by the TypeScript rule (∂x = Aᵀ·δ per axis) and by the
 * emitters (A as a constant).
 *
 * The tables reproduce ONNX Runtime's CPU kernels, whose values the rules are
 * checked against: coordinates in float32 in the kernels' order of operations
 * (so nearest-neighbour ties break the same way), the output coordinate x
 * mapped to the input coordinate
 *   half_pixel            (x + ½)/s − ½
 *   half_pixel_symmetric  (1 − out/(s·in))·in/2 + (x + ½)/s − ½
 *   pytorch_half_pixel    (x + ½)/s − ½, 0 when out = 1
 *   tf_half_pixel_for_nn  (x + ½)/s
 *   align_corners         x·(in − 1)/(out − 1), 0 when out = 1
 *   asymmetric            x/s
 *   tf_crop_and_resize    start·(in − 1) + x·(end − start)·(in − 1)/(out − 1)
 * then per mode:
 *   nearest  one tap at the rounded coordinate (round_prefer_floor,
 *            round_prefer_ceil — a fraction within 1e-6 of ½ counting as a
 *            tie —, floor, ceil; before opset 11 truncation, or ceil when
 *            downsampling), clamped to [0, in − 1];
 *   linear   the coordinate clamped to [0, in − 1], taps ⌊c⌋ and ⌊c⌋ + 1
 *            (clamped) weighted 1 − frac and frac (½ and ½ at the last index);
 *   cubic    taps ⌊c⌋ − 1 … ⌊c⌋ + 2 (clamped) with the Keys coefficients of
 *            cubic_coeff_a; exclude_outside drops the taps outside the input
 *            and renormalises;
 *   antialias (linear, cubic) the filter stretched by 1/s when downsampling,
 *            its taps outside the input folded onto the edge (or dropped with
 *            exclude_outside), normalised to sum 1.
 * An axis whose scale is 1 is the identity, and so is the whole op when no
 * axis changes length. With tf_crop_and_resize, outputs whose coordinate falls
 * outside [0, in − 1] take extrapolation_value: a constant, so their rows of A
 * are zero.
 */
import { InputError } from '../errors.js';
import { identityMap, type AxisMap } from './axis-map.js';

export type ResizeMode = 'nearest' | 'linear' | 'cubic';
export type CoordinateMode =
  | 'half_pixel' | 'half_pixel_symmetric' | 'pytorch_half_pixel' | 'tf_half_pixel_for_nn'
  | 'align_corners' | 'asymmetric' | 'tf_crop_and_resize';
/** 'simple' is the rounding before opset 11 (truncation; ceil when downsampling) */
export type NearestMode = 'simple' | 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
export type AspectPolicy = 'stretch' | 'not_larger' | 'not_smaller';

export const COORDINATE_MODES: readonly CoordinateMode[] = [
  'half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'tf_half_pixel_for_nn', 'align_corners', 'asymmetric', 'tf_crop_and_resize',
];
export const NEAREST_MODES: readonly NearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

export interface ResizeAttrs {
  mode: ResizeMode;
  coordinate: CoordinateMode;
  nearest: NearestMode;
  cubicA: number;
  excludeOutside: boolean;
  antialias: boolean;
}

const f = Math.fround;

/** The input coordinate of output position x along one axis, in float32 as ONNX Runtime computes it. */
export function originalCoordinate(
  mode: CoordinateMode, x: number, scale: number, outLen: number, inLen: number, roiStart: number, roiEnd: number,
): number {
  const s = f(scale);
  switch (mode) {
    case 'asymmetric':
      return f(x / s);
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(x + 0.5) / s) - 0.5) : 0;
    case 'tf_half_pixel_for_nn':
      return f(f(x + 0.5) / s);
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(x * (inLen - 1)) / (outLen - 1));
    case 'tf_crop_and_resize': {
      const rs = f(roiStart);
      const re = f(roiEnd);
      if (outLen > 1) return f(f(rs * (inLen - 1)) + f(f(f(x * f(re - rs)) * (inLen - 1)) / (outLen - 1)));
      return f(0.5 * f(rs + re) * (inLen - 1));
    }
    case 'half_pixel_symmetric': {
      const outputWidth = f(s * inLen);
      const adjustment = f(outLen / outputWidth);
      const center = f(inLen / 2);
      const offset = f(center * f(1 - adjustment));
      return f(offset + (x + 0.5) / s - 0.5);
    }
    case 'half_pixel':
      return f(f(f(x + 0.5) / s) - 0.5);
  }
}

/**
 * Half-way cases of the round_prefer_* modes: ONNX Runtime takes a coordinate
 * whose fraction is within this of ½ as a tie, which absorbs the float32
 * error of the coordinate transforms.
 */
const TIE_TOLERANCE = 1e-6;

/** The nearest input index of coordinate c (before clamping). */
export function nearestPixel(mode: NearestMode, c: number, downsample: boolean): number {
  switch (mode) {
    case 'simple':
      return downsample ? Math.ceil(c) : Math.trunc(c);
    case 'floor':
      return Math.floor(c);
    case 'ceil':
      return Math.ceil(c);
    case 'round_prefer_floor':
    case 'round_prefer_ceil': {
      const base = Math.floor(c);
      const frac = f(c - base);
      if (Math.abs(frac - 0.5) <= TIE_TOLERANCE) return mode === 'round_prefer_floor' ? base : base + 1;
      return frac > 0.5 ? base + 1 : base;
    }
  }
}

function clampIndex(i: number, n: number): number {
  return Math.min(Math.max(i, 0), n - 1);
}

/** Keys cubic convolution coefficients of the four taps ⌊c⌋ − 1 … ⌊c⌋ + 2 at fraction s. */
export function cubicCoefficients(s: number, a: number): [number, number, number, number] {
  const A = f(a);
  const far = (d: number) => f(f(f(f(f(f(A * d) - f(5 * A)) * d) + f(8 * A)) * d) - f(4 * A));
  const near = (d: number) => f(f(f(f(f(f(A + 2) * d) - f(A + 3)) * d) * d) + 1);
  return [far(f(s + 1)), near(s), near(f(1 - s)), far(f(2 - s))];
}

interface Taps {
  index: number[];
  weight: number[];
}

function nearestTaps(a: ResizeAttrs, c: number, inSize: number, scale: number): Taps {
  return { index: [clampIndex(nearestPixel(a.nearest, c, f(scale) < 1), inSize)], weight: [1] };
}

function linearTaps(c: number, inSize: number): Taps {
  const x = f(Math.max(0, Math.min(c, inSize - 1)));
  const i1 = Math.min(Math.trunc(x), inSize - 1);
  const i2 = Math.min(i1 + 1, inSize - 1);
  if (i1 === i2) return { index: [i1, i2], weight: [0.5, 0.5] };
  return { index: [i1, i2], weight: [f(Math.abs(x - i2)), f(Math.abs(x - i1))] };
}

function cubicTaps(a: ResizeAttrs, c: number, inSize: number): Taps {
  const base = Math.floor(c);
  const coeffs = cubicCoefficients(f(c - base), a.cubicA);
  const raw = [base - 1, base, base + 1, base + 2];
  const kept = coeffs.map((w, i) => (a.excludeOutside && (raw[i]! < 0 || raw[i]! >= inSize) ? 0 : w));
  const sum = a.excludeOutside ? kept.reduce((p, w) => f(p + w), 0) : 1;
  return { index: raw.map((i) => clampIndex(i, inSize)), weight: kept.map((w) => w / sum) };
}

function linearFilter(x: number): number {
  const v = Math.abs(x);
  return v < 1 ? f(1 - v) : 0;
}

function cubicFilter(a: number): (x: number) => number {
  const A = f(a);
  return (x) => {
    const v = Math.abs(x);
    if (v < 1) return f(f(f(f(f(f(A + 2) * v) - f(A + 3)) * v) * v) + 1);
    if (v < 2) return f(f(f(f(f(f(v - 5) * v) + 8) * v) - 4) * A);
    return 0;
  };
}

/**
 * The antialiasing filter's taps for every output (ONNX Runtime's separable
 * resampler): the window [center − support, center + support) in input
 * coordinates, support widened by 1/scale when downsampling, its taps outside
 * the input folded onto the first and last input (or dropped when
 * excludeOutside), the weights normalised to sum 1.
 */
function antialiasTaps(a: ResizeAttrs, inSize: number, outSize: number, scale: number, coord: (o: number) => number): Taps[] {
  const filter = a.mode === 'cubic' ? cubicFilter(a.cubicA) : linearFilter;
  const supportSize = a.mode === 'cubic' ? 4 : 2;
  const rscale = f(scale);
  const inv = f(1 / rscale);
  const support = inv >= 1 ? f(f(supportSize * 0.5) * inv) : supportSize * 0.5;
  const invScale = inv >= 1 ? f(1 / inv) : 1;
  const out: Taps[] = [];
  for (let o = 0; o < outSize; o++) {
    const center = f(0.5 + (inv === 1 ? o : coord(o)));
    const minReal = Math.floor(f(center - support) + 0.5);
    const maxReal = Math.floor(f(center + support) + 0.5);
    const minCut = Math.max(minReal, 0);
    const maxCut = Math.min(maxReal, inSize);
    const lo = a.excludeOutside ? minCut : minReal;
    const count = (a.excludeOutside ? maxCut : maxReal) - lo;
    const buf = new Array<number>(Math.max(count, 0) + 2).fill(0);
    let total = 0;
    for (let x = 0; x < count; x++) {
      const w = filter(f(f(f((x + lo) - center) + 0.5) * invScale));
      buf[x] = w;
      total = f(total + w);
    }
    if (!a.excludeOutside) {
      const neg = lo < 0 ? -lo : 0;
      for (let x = 0; x < neg && neg < buf.length; x++) buf[neg] = f(buf[neg]! + buf[x]!);
      const past = count + lo > inSize ? count + lo - inSize : 0;
      const last = count - past - 1;
      if (last >= 0) for (let x = count - past; x < count; x++) buf[last] = f(buf[last]! + buf[x]!);
      if (neg > 0) for (let x = 0; x < maxCut - minCut; x++) buf[x] = buf[x + neg] ?? 0;
    }
    const taps: Taps = { index: [], weight: [] };
    for (let x = 0; x < maxCut - minCut; x++) {
      taps.index.push(minCut + x);
      taps.weight.push(total !== 0 && total !== 1 ? f(buf[x]! / total) : buf[x]!);
    }
    out.push(taps);
  }
  return out;
}

function toAxisMap(inSize: number, rows: Taps[]): AxisMap {
  const taps = rows.reduce((k, r) => Math.max(k, r.index.length), 1);
  const index = new Int32Array(rows.length * taps);
  const weight = new Float64Array(rows.length * taps);
  rows.forEach((r, o) => r.index.forEach((i, t) => {
    index[o * taps + t] = i;
    weight[o * taps + t] = r.weight[t]!;
  }));
  return { inSize, outSize: rows.length, taps, index, weight };
}

/**
 * A_a for one axis: inSize → outSize at `scale` (float32, as the kernel sees
 * it), region of interest [roiStart, roiEnd] (tf_crop_and_resize only).
 */
export function resizeAxisMap(
  a: ResizeAttrs, inSize: number, outSize: number, scale: number, roiStart = 0, roiEnd = 1,
): AxisMap {
  if (f(scale) === 1 && inSize === outSize) return identityMap(inSize);
  const coord = (o: number) => originalCoordinate(a.coordinate, o, scale, outSize, inSize, roiStart, roiEnd);
  const crop = a.coordinate === 'tf_crop_and_resize';
  const outside = (c: number) => crop && (c < 0 || c > inSize - 1);
  const rows: Taps[] = a.antialias && a.mode !== 'nearest'
    ? antialiasTaps(a, inSize, outSize, scale, coord)
    : Array.from({ length: outSize }, (_, o) => {
      const c = coord(o);
      if (outside(c)) return { index: [], weight: [] };
      if (a.mode === 'nearest') return nearestTaps(a, c, inSize, scale);
      return a.mode === 'linear' ? linearTaps(c, inSize) : cubicTaps(a, c, inSize);
    });
  return toAxisMap(inSize, rows);
}

/** Output dims and per-axis float32 scales, as the kernel derives them from its inputs. */
export interface ResizeShape {
  outDims: number[];
  scales: number[];
}

/** From scales (one per axis): out = ⌊scale·in⌋ in float32. */
export function shapeFromScales(inDims: readonly number[], scales: readonly number[]): ResizeShape {
  if (scales.length !== inDims.length) throw new InputError(`Resize: ${scales.length} scales for rank ${inDims.length}`);
  const s = scales.map((v) => f(v));
  return { outDims: inDims.map((d, i) => Math.trunc(f(s[i]! * d))), scales: s };
}

/**
 * From sizes (one per axis): scale = out/in in float32; the not_larger and
 * not_smaller policies use one scale on every axis in `policyAxes` (the min or
 * max of theirs) and round the sizes to it.
 */
export function shapeFromSizes(
  inDims: readonly number[], sizes: readonly number[], policy: AspectPolicy = 'stretch', policyAxes?: readonly number[],
): ResizeShape {
  if (sizes.length !== inDims.length) throw new InputError(`Resize: ${sizes.length} sizes for rank ${inDims.length}`);
  const scales = inDims.map((d, i) => (d === 0 ? 1 : f(sizes[i]! / d)));
  const outDims = [...sizes];
  if (policy === 'stretch') return { outDims, scales };
  const axes = policyAxes ?? inDims.map((_, i) => i);
  const pick = axes.map((i) => scales[i]!);
  const s = policy === 'not_larger' ? Math.min(...pick) : Math.max(...pick);
  return {
    outDims: inDims.map((d, i) => (axes.includes(i) ? Math.round(f(s * d)) : d)),
    scales: inDims.map((_, i) => (axes.includes(i) ? s : 1)),
  };
}

/**
 * The per-axis maps of a whole Resize (undefined where an axis is left as it
 * is). roi holds [start_0 … start_{r−1}, end_0 … end_{r−1}] (default 0s and 1s).
 */
export function resizeMaps(
  a: ResizeAttrs, inDims: readonly number[], shape: ResizeShape, roi?: readonly number[],
): (AxisMap | undefined)[] {
  const r = inDims.length;
  if (inDims.every((d, i) => d === shape.outDims[i])) return inDims.map(() => undefined);
  return inDims.map((d, i) => {
    const m = resizeAxisMap(a, d, shape.outDims[i]!, shape.scales[i]!, roi?.[i] ?? 0, roi?.[r + i] ?? 1);
    return m.taps === 1 && m.inSize === m.outSize && m.index.every((v, o) => v === o) && m.weight.every((w) => w === 1) ? undefined : m;
  });
}
