import { node } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 60 };

function spec(xDims: number[], blocksize: number, opsetVersion = 17): GraphSpec {
  return { nodes: [node('SpaceToDepth', ['x'], ['y'], { blocksize })], params: { x: { dims: xDims } }, output: 'y', opsetVersion };
}

export const cases: RuleCase[] = [
  { name: 'blocksize 2 on a non-square plane', spec: spec([1, 2, 4, 6], 2), opts: S },
  { name: 'blocksize 3, batch 2 (opset 9)', spec: spec([2, 3, 6, 3], 3, 9), opts: S },
  { name: 'blocksize 1 (the identity)', spec: spec([2, 3, 2, 2], 1, 13), opts: S },
];
