/**
 * The reflect, edge and wrap modes of Pad as per-axis gathers
 * (src/tensor/axis-map.ts): along each axis, output o copies one input
 * position. Following ONNX Runtime, negative pads crop first — the kept range
 * is [max(0, −begin), in − max(0, −end)), of length L — and the positive pads
 * are then filled from that range: with j = o − max(0, begin) the offset into
 * it,
 *   edge     clamp(j, 0, L − 1)
 *   reflect  j mirrored at both ends without repeating the edge (period 2(L − 1))
 *   wrap     j mod L
 * The constant mode is not a gather (it fills with a value) and lives in the
 * Pad rule itself.
 */
import { InputError } from '../errors.js';
import { gatherMap, type AxisMap } from './axis-map.js';

export type GatherPadMode = 'reflect' | 'edge' | 'wrap';

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** The offset into the kept range [0, L) that output offset j reads. */
function fold(mode: GatherPadMode, j: number, L: number): number {
  switch (mode) {
    case 'edge':
      return Math.min(Math.max(j, 0), L - 1);
    case 'wrap':
      return mod(j, L);
    case 'reflect': {
      if (L === 1) return 0;
      const m = mod(j, 2 * (L - 1));
      return m < L ? m : 2 * (L - 1) - m;
    }
  }
}

/** The gather along one axis of length inSize padded by begin and end (negative values crop). */
export function padAxisMap(mode: GatherPadMode, inSize: number, begin: number, end: number): AxisMap {
  const lo = Math.max(0, -begin);
  const L = inSize - lo - Math.max(0, -end);
  const out = inSize + begin + end;
  if (out < 0 || (out > 0 && L <= 0)) {
    throw new InputError(`Pad: pads ${begin}, ${end} leave nothing of an axis of length ${inSize} to pad from`);
  }
  const pb = Math.max(0, begin);
  return gatherMap(inSize, Array.from({ length: out }, (_, o) => lo + fold(mode, o - pb, L)));
}

/** One map per axis (undefined where the axis is neither padded nor cropped). */
export function padModeMaps(mode: GatherPadMode, dims: readonly number[], begin: readonly number[], end: readonly number[]): (AxisMap | undefined)[] {
  return dims.map((d, a) => (begin[a] === 0 && end[a] === 0 ? undefined : padAxisMap(mode, d, begin[a]!, end[a]!)));
}
