/**
 * The Resize/Upsample interpolation tables (src/tensor/resize.ts, read
 * through the rule's node helpers) applied forward must give ONNX Runtime's
 * own Resize/Upsample output on every mode, coordinate transformation,
 * rounding, scale, size, roi, axes and opset form: the gradient rules are the
 * transposes of these tables.
 */
import { describe, expect, it } from 'vitest';
import { resizeNodeMaps } from '../../src/grad/rules/resize.js';
import { Attrs } from '../../src/graph/attributes.js';
import type { NodeView } from '../../src/graph/graph.js';
import { floatTensor, graph, int64Tensor, model, node, opset as opsetId, valueInfo, type AttrValue } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { TensorProto } from '../../src/onnx/types.js';
import { applyAxisMaps, blockFactor, denseMatrix, gatherMap, identityMap, inverseTaps } from '../../src/tensor/axis-map.js';
import { COORDINATE_MODES, NEAREST_MODES, nearestPixel, originalCoordinate, resizeAxisMap } from '../../src/tensor/resize.js';
import { randomTensor, seeded } from '../helpers/random.js';
import { runModel } from './ort-fixture.js';

export interface ResizeForm {
  opType?: 'Resize' | 'Upsample';
  opset: number;
  xDims: number[];
  attrs?: Record<string, AttrValue>;
  roi?: number[];
  scales?: number[];
  sizes?: number[];
}

function nodeView(proto: ReturnType<typeof node>): NodeView {
  return { index: 0, proto, name: 'n0', opType: proto.op_type ?? '', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
}

/** The node's inputs and constants in the form of its opset. */
export function resizeInputs(c: ResizeForm): { inputs: string[]; constants: TensorProto[] } {
  const constants: TensorProto[] = [];
  const op = c.opType ?? 'Resize';
  if (op === 'Upsample' && c.opset < 9) return { inputs: ['x'], constants };
  if (op === 'Upsample' || c.opset < 11) return { inputs: ['x', 'scales'], constants: [floatTensor('scales', [c.scales!.length], c.scales!)] };
  const inputs = ['x'];
  if (c.roi) { inputs.push('roi'); constants.push(floatTensor('roi', [c.roi.length], c.roi)); }
  else if (c.opset < 13) { inputs.push('roi'); constants.push(floatTensor('roi', [0], [])); }
  else inputs.push('');
  if (c.scales) { inputs.push('scales'); constants.push(floatTensor('scales', [c.scales.length], c.scales)); }
  else if (c.opset < 13) { inputs.push('scales'); constants.push(floatTensor('scales', [0], [])); }
  else inputs.push('');
  if (c.sizes) { inputs.push('sizes'); constants.push(int64Tensor('sizes', [c.sizes.length], c.sizes)); }
  return { inputs, constants };
}

async function compareForward(c: ResizeForm): Promise<void> {
  const { inputs, constants } = resizeInputs(c);
  const proto = node(c.opType ?? 'Resize', inputs, ['y'], c.attrs ?? {}, { name: 'n0' });
  const g = graph('g', [proto], [valueInfo('x', DataType.FLOAT, c.xDims)], [valueInfo('y', DataType.FLOAT)], constants);
  const x = randomTensor(seeded(c.xDims.reduce((a, b) => a * 7 + b, 3)), c.xDims);
  const y = (await runModel(encodeModel(model(g, { opsets: [opsetId('', c.opset)] })), { x }))['y']!;
  const values = { ...(c.scales ? { scales: c.scales } : {}), ...(c.sizes ? { sizes: c.sizes } : {}), ...(c.roi ? { roi: c.roi } : {}) };
  const { maps, outDims } = resizeNodeMaps(nodeView(proto), c.opset, c.xDims, values);
  expect(outDims).toEqual(y.dims);
  const ours = applyAxisMaps(x, maps);
  let err = 0;
  for (let i = 0; i < ours.data.length; i++) err = Math.max(err, Math.abs(ours.data[i]! - y.data[i]!));
  expect(err).toBeLessThan(2e-5);
}

const label = (c: ResizeForm) =>
  `${c.opType ?? 'Resize'}-${c.opset} [${c.xDims.join(',')}] ${JSON.stringify(c.attrs ?? {})} ${c.scales ? `scales ${c.scales.join(',')}` : c.sizes ? `sizes ${c.sizes.join(',')}` : ''}${c.roi ? ` roi ${c.roi.join(',')}` : ''}`;

const X4 = [1, 2, 5, 7];
const SCALES4 = [[1, 1, 2, 2], [1, 1, 0.5, 0.5], [1, 1, 1.7, 0.6], [1, 1, 3, 1.25], [1, 1, 0.45, 2.5], [1, 1, 1, 1.5]];
const ROI4 = [[0, 0, 0.2, 0.1, 1, 1, 0.9, 0.8], [0, 0, -0.2, 0.3, 1, 1, 1.1, 1.25]];

function coordinateForms(mode: string, extra: Record<string, AttrValue>): ResizeForm[] {
  const out: ResizeForm[] = [];
  for (const coordinate of COORDINATE_MODES) {
    const opset = coordinate === 'half_pixel_symmetric' ? 19 : coordinate === 'tf_half_pixel_for_nn' ? 11 : 13;
    if (coordinate === 'tf_half_pixel_for_nn' && mode !== 'nearest') continue;
    for (const scales of SCALES4) {
      const base = { opset, xDims: X4, scales, attrs: { mode, coordinate_transformation_mode: coordinate, ...extra } };
      if (coordinate === 'tf_crop_and_resize') for (const roi of ROI4) out.push({ ...base, roi });
      else out.push(base);
    }
  }
  return out;
}

const nearestForms = NEAREST_MODES.flatMap((m) => coordinateForms('nearest', { nearest_mode: m }));
const linearForms: ResizeForm[] = [
  ...coordinateForms('linear', {}),
  { opset: 13, xDims: [5, 7], scales: [1.6, 0.7], attrs: { mode: 'linear' } },
  { opset: 13, xDims: [5, 7], scales: [2, 2], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } },
  { opset: 13, xDims: [3, 4, 5], scales: [2, 1.5, 0.6], attrs: { mode: 'linear' } },
  { opset: 13, xDims: [1, 1, 3, 4, 5], scales: [1, 1, 2, 1.5, 0.6], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' } },
  { opset: 13, xDims: [1, 1, 3, 4, 5], sizes: [1, 1, 6, 3, 9], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } },
  { opset: 13, xDims: [2, 5, 6, 3], scales: [1, 2, 0.5, 1], attrs: { mode: 'linear' } },
];
const cubicForms: ResizeForm[] = [
  ...coordinateForms('cubic', {}),
  ...coordinateForms('cubic', { exclude_outside: 1, cubic_coeff_a: { float: -0.5 } }).filter((_, i) => i % 2 === 0),
  { opset: 13, xDims: [6, 5], scales: [1.5, 0.8], attrs: { mode: 'cubic', exclude_outside: 1 } },
];
const antialiasForms: ResizeForm[] = ['linear', 'cubic'].flatMap((mode) =>
  ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'half_pixel_symmetric'].flatMap((coordinate) =>
    [0, 1].flatMap((exclude) => [[1, 1, 0.6, 0.35], [1, 1, 0.5, 1.5], [1, 1, 0.25, 0.8]].map((scales): ResizeForm => ({
      opset: 19, xDims: [1, 2, 9, 11], scales,
      attrs: { mode, antialias: 1, coordinate_transformation_mode: coordinate, exclude_outside: exclude },
    })))));
const sizeForms: ResizeForm[] = [
  { opset: 11, xDims: X4, sizes: [1, 2, 10, 14], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } },
  { opset: 11, xDims: X4, sizes: [1, 2, 3, 11], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' } },
  { opset: 13, xDims: X4, sizes: [1, 2, 8, 4], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } },
  { opset: 13, xDims: X4, sizes: [1, 2, 9, 3], attrs: { mode: 'cubic' } },
  { opset: 13, xDims: X4, sizes: [1, 2, 4, 9], roi: [0, 0, 0.1, 0.3, 1, 1, 0.7, 1.2], attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' } },
  { opset: 18, xDims: X4, sizes: [10, 9], attrs: { mode: 'linear', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' } },
  { opset: 18, xDims: X4, sizes: [10, 9], attrs: { mode: 'nearest', axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' } },
  { opset: 18, xDims: X4, sizes: [9, 8], attrs: { mode: 'cubic', axes: [3, 2] } },
  { opset: 18, xDims: X4, sizes: [3], attrs: { mode: 'linear', axes: [-1] } },
  { opset: 18, xDims: X4, scales: [0.6, 1.8], attrs: { mode: 'linear', axes: [3, 2] } },
  { opset: 18, xDims: X4, scales: [2.2], roi: [0.2, 0.9], attrs: { mode: 'nearest', axes: [2], coordinate_transformation_mode: 'tf_crop_and_resize' } },
  { opset: 18, xDims: [1, 2, 9, 11], sizes: [5, 4], attrs: { mode: 'linear', antialias: 1, axes: [2, 3] } },
  { opset: 13, xDims: [4, 6], sizes: [4, 6], attrs: { mode: 'cubic', coordinate_transformation_mode: 'tf_crop_and_resize' }, roi: [0.1, 0.1, 0.5, 0.5] },
];
const legacyForms: ResizeForm[] = [
  { opset: 10, xDims: X4, scales: [1, 1, 2, 2], attrs: { mode: 'nearest' } },
  { opset: 10, xDims: X4, scales: [1, 1, 0.6, 2.3], attrs: { mode: 'nearest' } },
  { opset: 10, xDims: X4, scales: [1, 1, 0.6, 2.3], attrs: { mode: 'linear' } },
  { opset: 10, xDims: [3, 4, 5], scales: [2, 1.5, 0.6], attrs: { mode: 'linear' } },
  { opType: 'Upsample', opset: 9, xDims: X4, scales: [1, 1, 2, 3], attrs: { mode: 'nearest' } },
  { opType: 'Upsample', opset: 9, xDims: X4, scales: [1, 1, 1.5, 2.5], attrs: { mode: 'linear' } },
  { opType: 'Upsample', opset: 7, xDims: X4, attrs: { mode: 'nearest', scales: { floats: [1, 1, 2, 1.5] } } },
  { opType: 'Upsample', opset: 8, xDims: [5, 7], attrs: { mode: 'linear', scales: { floats: [1.4, 2] } } },
];

describe('Resize tables against ONNX Runtime', () => {
  it.each(nearestForms.map((c) => [label(c), c] as const))('nearest %s', async (_, c) => compareForward(c));
  it.each(linearForms.map((c) => [label(c), c] as const))('linear %s', async (_, c) => compareForward(c));
  it.each(cubicForms.map((c) => [label(c), c] as const))('cubic %s', async (_, c) => compareForward(c));
  it.each(antialiasForms.map((c) => [label(c), c] as const))('antialias %s', async (_, c) => compareForward(c));
  it.each(sizeForms.map((c) => [label(c), c] as const))('sizes and axes %s', async (_, c) => compareForward(c));
  it.each(legacyForms.map((c) => [label(c), c] as const))('before opset 11 %s', async (_, c) => compareForward(c));
});

describe('Resize tables by hand', () => {
  it('rounds coordinates the way each nearest_mode says', () => {
    expect(nearestPixel('round_prefer_floor', 2.5, false)).toBe(2);
    expect(nearestPixel('round_prefer_ceil', 2.5, false)).toBe(3);
    expect(nearestPixel('round_prefer_floor', 2.50001, false)).toBe(3);
    expect(nearestPixel('floor', 2.9, false)).toBe(2);
    expect(nearestPixel('ceil', 2.1, false)).toBe(3);
    expect(nearestPixel('simple', 2.9, false)).toBe(2);
    expect(nearestPixel('simple', 2.1, true)).toBe(3);
  });

  it('maps output coordinates back as the transformation modes say', () => {
    expect(originalCoordinate('asymmetric', 3, 2, 8, 4, 0, 1)).toBe(1.5);
    expect(originalCoordinate('half_pixel', 3, 2, 8, 4, 0, 1)).toBe(1.25);
    expect(originalCoordinate('align_corners', 3, 2, 7, 4, 0, 1)).toBe(1.5);
    expect(originalCoordinate('pytorch_half_pixel', 0, 0.25, 1, 4, 0, 1)).toBe(0);
    expect(originalCoordinate('tf_crop_and_resize', 1, 2, 3, 5, 0.25, 0.75)).toBe(2);
  });

  it('builds the ×2 nearest upsampling as a block map and a bilinear map with two readers per input', () => {
    const attrs = { mode: 'nearest', coordinate: 'asymmetric', nearest: 'floor', cubicA: -0.75, excludeOutside: false, antialias: false } as const;
    const up = resizeAxisMap(attrs, 3, 6, 2);
    expect(blockFactor(up)).toBe(2);
    expect(Array.from(denseMatrix(up))).toEqual([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    const lin = resizeAxisMap({ ...attrs, mode: 'linear', coordinate: 'align_corners' }, 3, 5, 5 / 3);
    expect(Array.from(denseMatrix(lin))).toEqual([1, 0, 0, 0.5, 0.5, 0, 0, 1, 0, 0, 0.5, 0.5, 0, 0, 1]);
    expect(blockFactor(lin)).toBe(0);
    expect(inverseTaps(lin).layers).toBe(3);
  });

  it('recognises identities and gathers', () => {
    expect(blockFactor(identityMap(4))).toBe(1);
    expect(inverseTaps(gatherMap(3, [2, 1, 0, 1])).layers).toBe(2);
    expect(() => gatherMap(3, [3])).toThrow(RangeError);
  });
});
