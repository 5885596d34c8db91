import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 24 };

/** LpNormalization of x [dims], every |x| ≥ 0.25 so that no probe crosses sign(x)'s kink. */
function lp(dims: number[], attrs: Record<string, AttrValue>, opsetVersion: number, seed: number): GraphSpec {
  const n = dims.reduce((a, b) => a * b, 1);
  return {
    nodes: [node('LpNormalization', ['x'], ['y'], attrs, { name: 'lp_under_test' })],
    params: { x: { dims, data: awayFrom(n, -1.5, 1.5, [0], 0.25, seed) } },
    output: 'y',
    opsetVersion,
  };
}

export const cases: RuleCase[] = [
  { name: 'p = 2 along the default last axis of [3,5]', spec: lp([3, 5], {}, 17, 1), opts: S },
  { name: 'p = 2 along axis 0 of [4,3] at opset 11', spec: lp([4, 3], { axis: 0, p: 2 }, 11, 2), opts: S },
  { name: 'p = 1 along axis 1 of [2,4,3]', spec: lp([2, 4, 3], { axis: 1, p: 1 }, 17, 3), opts: S },
  { name: 'p = 1 along axis -1 of [3,6] at opset 7 (sign without Sign)', spec: lp([3, 6], { axis: -1, p: 1 }, 7, 4), opts: S },
  { name: 'p = 2 along axis -2 of [2,5,3] at opset 18', spec: lp([2, 5, 3], { axis: -2, p: 2 }, 18, 5), opts: S },
];
