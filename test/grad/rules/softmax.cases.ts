import { node } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

/** Softmax or LogSoftmax over [2,3,4] at `opsetVersion`; axis undefined leaves the attribute out. */
export function axisSpec(opType: string, opsetVersion: number, axis: number | undefined): GraphSpec {
  return {
    nodes: [node(opType, ['x'], ['y'], axis === undefined ? {} : { axis })],
    params: { x: { dims: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(1.7 * i) * 2) } },
    output: 'y',
    opsetVersion,
  };
}

/** [opset, axis attribute (undefined = default), label] */
const axes: [number, number | undefined, string][] = [
  [17, undefined, 'the default axis -1 (last axis only)'],
  [17, 1, 'axis 1 (one middle axis)'],
  [17, -3, 'axis -3 (the first axis)'],
  [11, undefined, 'the default axis 1 (axes 1.. flattened together)'],
  [11, 0, 'axis 0 (every axis flattened together)'],
  [11, -1, 'axis -1 (the last axis)'],
];

/** The axis cases of Softmax and LogSoftmax, which read `axis` the same way. */
export function axisCases(opType: string): RuleCase[] {
  return axes.map(([opsetVersion, axis, label]) => ({ name: `opset ${opsetVersion} with ${label}`, spec: axisSpec(opType, opsetVersion, axis) }));
}

export const cases: RuleCase[] = axisCases('Softmax');
