import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 60 };

function spec(xDims: number[], attrs: Record<string, AttrValue>, opsetVersion = 17): GraphSpec {
  return { nodes: [node('DepthToSpace', ['x'], ['y'], attrs)], params: { x: { dims: xDims } }, output: 'y', opsetVersion };
}

export const cases: RuleCase[] = [
  { name: 'DCR by default, blocksize 2', spec: spec([1, 8, 2, 3], { blocksize: 2 }), opts: S },
  { name: 'DCR before opset 11 (no mode attribute)', spec: spec([2, 4, 3, 2], { blocksize: 2 }, 9), opts: S },
  ...[11, 13].map((opset): RuleCase => ({ name: `CRD, blocksize 2 (opset ${opset})`, spec: spec([1, 8, 2, 3], { blocksize: 2, mode: 'CRD' }, opset), opts: S })),
  { name: 'DCR, blocksize 3, batch 2', spec: spec([2, 18, 2, 1], { blocksize: 3, mode: 'DCR' }), opts: S },
  { name: 'CRD, blocksize 3, batch 2', spec: spec([2, 18, 1, 2], { blocksize: 3, mode: 'CRD' }), opts: S },
];
