/**
 * The graphs a rule is tested on, shared by its two checks: central
 * differences through ONNX Runtime (test/grad/rules/<rule>.test.ts) and the
 * compiled backward graph against the TypeScript rule
 * (test/compile/<rule>-emit.test.ts). Each rule's cases live in
 * <rule>.cases.ts.
 */
import type { GradcheckOptions } from '../../../src/grad/gradcheck.js';
import { node } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';

export interface RuleCase {
  name: string;
  spec: GraphSpec;
  /** options of the central-difference check; the emitter check takes none */
  opts?: GradcheckOptions;
}

/** Operand shapes that cover equal shapes, broadcasting either way, a rank-1 and a scalar operand. */
const BROADCAST_DIMS: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[3, 1, 5], [4, 1]],
  [[4, 1], [3, 1, 5]],
  [[2, 3, 4], [4]],
  [[2, 3, 4], []],
  [[1, 3, 1], [2, 1, 4]],
];

/** y = op(a, b) for every broadcasting pair above; `bData` picks b's values (default random). */
export function broadcastCases(opType: string, bData?: (dims: number[]) => ArrayLike<number>): RuleCase[] {
  return BROADCAST_DIMS.map(([aDims, bDims]) => ({
    name: `broadcasting [${aDims.join(',')}] vs [${bDims.join(',')}]`,
    spec: {
      nodes: [node(opType, ['a', 'b'], ['y'])],
      params: { a: { dims: aDims }, b: bData ? { dims: bDims, data: bData(bDims) } : { dims: bDims } },
      output: 'y',
    },
  }));
}
