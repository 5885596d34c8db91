import { node } from '../../../src/onnx/builder.js';
import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

/** [label, attributes, the two kinks −β/α and (1 − β)/α] */
const params: [string, Record<string, number>, number[]][] = [
  ['the defaults alpha 0.2, beta 0.5', {}, [-2.5, 2.5]],
  ['alpha 0.5, beta 0.3', { alpha: 0.5, beta: 0.3 }, [-0.6, 1.4]],
  ['a negative alpha', { alpha: -0.4, beta: 0.6 }, [-1, 1.5]],
];

export const cases: RuleCase[] = params.map(([label, attrs, kinks]) => ({
  name: `on all three segments with ${label}`,
  spec: {
    nodes: [node('HardSigmoid', ['x'], ['y'], attrs)],
    params: { x: { dims: [4, 2, 5], data: awayFrom(40, -4, 4, kinks) } },
    output: 'y',
  },
}));

/** the first case at opset 8, where the emitter has no Where */
cases.push({ ...cases[0]!, name: `${cases[0]!.name}, at opset 8`, spec: { ...cases[0]!.spec, opsetVersion: 8 } });
