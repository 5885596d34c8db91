/**
 * The reflect, edge and wrap gathers (src/tensor/pad-modes.ts) applied forward
 * must give ONNX Runtime's own Pad output, negative pads (crops) included.
 * The forms stay where ONNX Runtime runs them: reflect needs at least two kept
 * values and pads shorter than them, and its wrap is only right for pads up to
 * the kept length (past that it writes zeros).
 */
import { describe, expect, it } from 'vitest';
import { graph, int64Tensor, model, node, opset as opsetId, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { applyAxisMaps, denseMatrix } from '../../src/tensor/axis-map.js';
import { padAxisMap, padModeMaps, type GatherPadMode } from '../../src/tensor/pad-modes.js';
import { randomTensor, seeded } from '../helpers/random.js';
import { runModel } from './ort-fixture.js';

interface PadForm {
  mode: GatherPadMode;
  opset: number;
  dims: number[];
  pads: number[];
}

async function compareForward(c: PadForm): Promise<void> {
  const r = c.dims.length;
  const proto = c.opset < 11
    ? node('Pad', ['x'], ['y'], { mode: c.mode, pads: c.pads })
    : node('Pad', ['x', 'pads'], ['y'], { mode: c.mode });
  const inits = c.opset < 11 ? [] : [int64Tensor('pads', [2 * r], c.pads)];
  const g = graph('g', [proto], [valueInfo('x', DataType.FLOAT, c.dims)], [valueInfo('y', DataType.FLOAT)], inits);
  const x = randomTensor(seeded(11), c.dims);
  const y = (await runModel(encodeModel(model(g, { opsets: [opsetId('', c.opset)] })), { x }))['y']!;
  const ours = applyAxisMaps(x, padModeMaps(c.mode, c.dims, c.pads.slice(0, r), c.pads.slice(r)));
  expect(ours.dims).toEqual(y.dims);
  expect(Array.from(ours.data)).toEqual(Array.from(y.data));
}

const PADS: [number[], number[]][] = [
  [[2, 3, 4], [0, 1, 2, 0, 2, 1]],
  [[2, 3, 4], [1, 2, 3, 1, 2, 3]],
  [[2, 5, 6], [0, -1, 2, 0, 3, -2]],
  [[3, 6], [-1, 3, 1, -2]],
  [[1, 2, 4, 5], [0, 0, 3, 4, 0, 0, 3, 4]],
];

const forms: PadForm[] = (['reflect', 'edge', 'wrap'] as const).flatMap((mode) => PADS.flatMap(([dims, pads]) =>
  (mode === 'wrap' ? [19] : [2, 11, 19]).map((opset) => ({ mode, opset, dims, pads }))));

describe('Pad modes against ONNX Runtime', () => {
  it.each(forms.map((c) => [`${c.mode} opset ${c.opset} [${c.dims.join(',')}] pads ${c.pads.join(',')}`, c] as const))('%s', async (_, c) => compareForward(c));
});

describe('Pad modes by hand', () => {
  it('gathers as each mode says', () => {
    expect(Array.from(padAxisMap('reflect', 4, 2, 3).index)).toEqual([2, 1, 0, 1, 2, 3, 2, 1, 0]);
    expect(Array.from(padAxisMap('edge', 3, 2, 1).index)).toEqual([0, 0, 0, 1, 2, 2]);
    expect(Array.from(padAxisMap('wrap', 3, 2, 4).index)).toEqual([1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(Array.from(padAxisMap('wrap', 5, -1, 2).index)).toEqual([1, 2, 3, 4, 1, 2]);
    expect(Array.from(padAxisMap('reflect', 1, 2, 1).index)).toEqual([0, 0, 0, 0]);
  });

  it('has as transpose the sum of the copies', () => {
    const m = padAxisMap('edge', 2, 1, 2);
    expect(Array.from(denseMatrix(m))).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 0, 1]);
  });

  it('refuses pads that leave nothing to pad from', () => {
    expect(() => padAxisMap('edge', 3, -3, 1)).toThrow(/nothing/);
  });
});
