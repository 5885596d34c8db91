import { Attrs } from '../../../src/graph/attributes.js';
import type { NodeView } from '../../../src/graph/graph.js';
import { floatTensor, node, type AttrValue } from '../../../src/onnx/builder.js';
import type { NodeProto } from '../../../src/onnx/types.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import { seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

/** Running statistics for c channels: means in [−0.5, 0.5), variances in [0.3, 1.3). */
export function stats(c: number, seed: number): { mean: number[]; variance: number[] } {
  const rng = seeded(seed);
  return {
    mean: Array.from({ length: c }, () => rng.next() - 0.5),
    variance: Array.from({ length: c }, () => 0.3 + rng.next()),
  };
}

/** A one-node view of `proto`, for calling a rule's vjp or emit directly. */
export function view(proto: NodeProto): NodeView {
  return {
    index: 0, proto, name: proto.name ?? '', opType: proto.op_type ?? '', domain: '',
    inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto),
  };
}

/** BatchNormalization on x [N,C,…] with trained scale and B and fixed statistics. */
export function bnSpec(dims: number[], attrs: Record<string, AttrValue> = {}, opsetVersion = 17): GraphSpec {
  const c = dims[1]!;
  const { mean, variance } = stats(c, c);
  return {
    nodes: [node('BatchNormalization', ['x', 'scale', 'b', 'mean', 'var'], ['y'], attrs)],
    params: { x: { dims }, scale: { dims: [c] }, b: { dims: [c] } },
    constants: [floatTensor('mean', [c], mean), floatTensor('var', [c], variance)],
    output: 'y',
    opsetVersion,
  };
}

const S = { samples: 24 };
const perActivation = stats(12, 5);

export const cases: RuleCase[] = [
  { name: 'X, scale and B on an [N,C,H,W] input', spec: bnSpec([3, 4, 5, 2]), opts: S },
  { name: 'maps of more than 16 positions', spec: bnSpec([2, 3, 5, 4]), opts: S },
  { name: 'an [N,C] input', spec: bnSpec([5, 3]), opts: S },
  { name: 'an [N,C,L] input and a large epsilon', spec: bnSpec([2, 3, 7], { epsilon: { float: 0.5 } }), opts: S },
  { name: 'the opset 9 form', spec: bnSpec([2, 3, 4, 3], {}, 9), opts: S },
  { name: 'an explicit training_mode = 0 (opset 15)', spec: bnSpec([2, 3, 4, 3], { training_mode: 0, momentum: { float: 0.8 } }, 15), opts: S },
  {
    name: 'per-activation statistics with spatial = 0 (opset 7)',
    spec: {
      nodes: [node('BatchNormalization', ['x', 'scale', 'b', 'mean', 'var'], ['y'], { spatial: 0 })],
      params: { x: { dims: [2, 3, 4] }, scale: { dims: [3, 4] }, b: { dims: [3, 4] } },
      constants: [floatTensor('mean', [3, 4], perActivation.mean), floatTensor('var', [3, 4], perActivation.variance)],
      output: 'y',
      opsetVersion: 7,
    },
    opts: S,
  },
];
