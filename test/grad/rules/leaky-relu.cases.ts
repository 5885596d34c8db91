import { node } from '../../../src/onnx/builder.js';
import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

const alphas: [string, Record<string, number>][] = [
  ['the default alpha 0.01', {}],
  ['alpha 0.3', { alpha: 0.3 }],
  ['a negative alpha', { alpha: -0.45 }],
];

export const cases: RuleCase[] = alphas.map(([label, attrs]) => ({
  name: `with ${label}`,
  spec: {
    nodes: [node('LeakyRelu', ['x'], ['y'], attrs)],
    params: { x: { dims: [3, 2, 5], data: awayFrom(30, -1, 1, [0]) } },
    output: 'y',
  },
}));

/** the first case at opset 8, where the emitter has no Where */
cases.push({ ...cases[0]!, name: `${cases[0]!.name}, at opset 8`, spec: { ...cases[0]!.spec, opsetVersion: 8 } });
