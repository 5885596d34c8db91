import { node } from '../../../src/onnx/builder.js';
import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [{
  name: 'on both sides of 0',
  spec: {
    nodes: [node('Relu', ['x'], ['y'])],
    params: { x: { dims: [2, 3, 5], data: awayFrom(30, -1, 1, [0]) } },
    output: 'y',
  },
}];

/** the first case at opset 8, where the emitter has no Where */
cases.push({ ...cases[0]!, name: `${cases[0]!.name}, at opset 8`, spec: { ...cases[0]!.spec, opsetVersion: 8 } });
