import { node } from '../../../src/onnx/builder.js';
import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

const alphas: [string, Record<string, number | { float: number }>][] = [
  ['the default alpha 1', {}],
  ['alpha 0.4', { alpha: 0.4 }],
  ['alpha 2', { alpha: { float: 2 } }],
  ['a negative alpha', { alpha: -0.7 }],
];

export const cases: RuleCase[] = alphas.map(([label, attrs]) => ({
  name: `with ${label}`,
  spec: {
    nodes: [node('Elu', ['x'], ['y'], attrs)],
    params: { x: { dims: [2, 5, 3], data: awayFrom(30, -2, 1.5, [0]) } },
    output: 'y',
  },
}));

/** the first case at opset 8, where the emitter has no Where */
cases.push({ ...cases[0]!, name: `${cases[0]!.name}, at opset 8`, spec: { ...cases[0]!.spec, opsetVersion: 8 } });
