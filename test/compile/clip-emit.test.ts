import { describe, it } from 'vitest';
import { floatTensor, node } from '../../src/onnx/builder.js';
import { Rng } from '../../src/train/rng.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

/** Values uniform in [lo, hi) that stay at least `gap` from every kink. */
function awayFrom(n: number, lo: number, hi: number, kinks: number[], gap = 0.15, seed = 5): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; ) {
    const v = lo + (hi - lo) * rng.next();
    if (kinks.every((k) => Math.abs(v - k) >= gap)) out[i++] = v;
  }
  return out;
}

describe('Clip emitter', () => {
  it('ReLU6 = Clip(x, 0, 6)', async () => {
    await expectEmitterMatches({
      nodes: [node('Clip', ['x', 'lo', 'hi'], ['y'])],
      params: { x: { dims: [2, 3, 5], data: awayFrom(30, -2, 8, [0, 6]) } },
      constants: [floatTensor('lo', [], [0]), floatTensor('hi', [], [6])],
      output: 'y',
    });
  });

  it('only a min bound', async () => {
    await expectEmitterMatches({
      nodes: [node('Clip', ['x', 'lo'], ['y'])],
      params: { x: { dims: [3, 7], data: awayFrom(21, -1, 1, [-0.25]) } },
      constants: [floatTensor('lo', [], [-0.25])],
      output: 'y',
    });
  });

  it('only a max bound (min left empty)', async () => {
    await expectEmitterMatches({
      nodes: [node('Clip', ['x', '', 'hi'], ['y'])],
      params: { x: { dims: [3, 7], data: awayFrom(21, -1, 1, [0.4]) } },
      constants: [floatTensor('hi', [], [0.4])],
      output: 'y',
    });
  });

  it('no bounds', async () => {
    await expectEmitterMatches({ nodes: [node('Clip', ['x'], ['y'])], params: { x: { dims: [4, 3] } }, output: 'y' });
  });

  it('lo ≥ hi gives 0 everywhere', async () => {
    await expectEmitterMatches({
      nodes: [node('Clip', ['x', 'lo', 'hi'], ['y']), node('Add', ['y', 'x'], ['z'])],
      params: { x: { dims: [2, 4] } },
      constants: [floatTensor('lo', [], [0.5]), floatTensor('hi', [], [-0.5])],
      output: 'z',
    });
  });

  it('bounds from attributes before opset 11', async () => {
    await expectEmitterMatches({
      nodes: [node('Clip', ['x'], ['y'], { min: -0.3, max: 0.45 })],
      params: { x: { dims: [2, 9], data: awayFrom(18, -1, 1, [-0.3, 0.45]) } },
      output: 'y',
      opsetVersion: 10,
    });
  });
});
