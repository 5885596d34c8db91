/**
 * Cases shared by the element-wise unary rules (Exp, Log, Sin, Selu, ...):
 * y = op(x) on a few odd shapes, at chosen opsets and attribute sets, with x's
 * values drawn by `values` (e.g. positive for Log, away from 0 for Abs).
 */
import type { AttrValue } from '../../../src/onnx/builder.js';
import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export interface UnaryCaseOptions {
  /** x's n values (seeded, so every run sees the same) */
  values: (n: number, seed: number) => ArrayLike<number>;
  /** opset versions to build the graph at (default [17]) */
  opsets?: number[];
  /** attribute sets with a label each (default one set, no attributes) */
  attrs?: [string, Record<string, AttrValue>][];
}

const SHAPES: number[][] = [[2, 3, 5], [7], [3, 1, 4, 2]];

export function unaryCases(opType: string, o: UnaryCaseOptions): RuleCase[] {
  const out: RuleCase[] = [];
  const attrSets = o.attrs ?? [['no attributes', {}]];
  for (const opsetVersion of o.opsets ?? [17]) {
    for (const [label, attrs] of attrSets) {
      SHAPES.forEach((dims, k) => {
        const n = dims.reduce((a, b) => a * b, 1);
        out.push({
          name: `opset ${opsetVersion}, ${label}, x [${dims.join(',')}]`,
          spec: {
            nodes: [node(opType, ['x'], ['y'], attrs)],
            params: { x: { dims, data: o.values(n, 3 + k) } },
            output: 'y',
            opsetVersion,
          },
        });
      });
    }
  }
  return out;
}
