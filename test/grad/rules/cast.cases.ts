import { node } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

/** x → double → float, at `opsetVersion`. */
export function roundTrip(opsetVersion?: number): GraphSpec {
  return {
    nodes: [node('Cast', ['x'], ['d'], { to: DataType.DOUBLE }), node('Cast', ['d'], ['y'], { to: DataType.FLOAT })],
    params: { x: { dims: [3, 4] } },
    output: 'y',
    ...(opsetVersion === undefined ? {} : { opsetVersion }),
  };
}

export const cases: RuleCase[] = [
  { name: 'passes the gradient back through a float → double → float round trip (CastLike, opset 15+)', spec: roundTrip(), opts: { samples: 30 } },
];
