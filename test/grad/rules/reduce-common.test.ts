import { describe, it, expect } from 'vitest';
import { GraphView, type NodeView } from '../../../src/graph/graph.js';
import { graph, node, type AttrValue } from '../../../src/onnx/builder.js';
import { reduceAttrs, reducedAxes } from '../../../src/grad/rules/reduce-common.js';
import { reductionRules } from '../../../src/grad/rules/group-reductions.js';
import type { RuleContext } from '../../../src/grad/rule.js';
import { tensor, type Tensor } from '../../../src/tensor/tensor.js';

function nodeOf(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): NodeView {
  const g = graph('g', [node(opType, inputs, ['y'], attrs)], inputs.map((name) => ({ name, metadata_props: [] })), []);
  return new GraphView(g).node(0);
}

describe('reduceAttrs and reducedAxes', () => {
  it('takes the axes as an input from opset 13 for ReduceSum and from 18 for the others', () => {
    expect(reduceAttrs(nodeOf('ReduceSum', ['x']), 13).axesFromInput).toBe(true);
    expect(reduceAttrs(nodeOf('ReduceSum', ['x']), 12).axesFromInput).toBe(false);
    expect(reduceAttrs(nodeOf('ReduceMean', ['x']), 17).axesFromInput).toBe(false);
    expect(reduceAttrs(nodeOf('ReduceMax', ['x']), 18).axesFromInput).toBe(true);
  });

  it('normalises negative axes, reduces every axis without axes, and none with noop_with_empty_axes', () => {
    const n = nodeOf('ReduceSum', ['x'], { keepdims: 0, noop_with_empty_axes: 1 });
    const noop = reduceAttrs(n, 13);
    expect(noop).toEqual({ keepDims: false, axesFromInput: true, noopWithEmptyAxes: true });
    expect(reducedAxes(noop, [-1, 0], 3, n)).toEqual([0, 2]);
    expect(reducedAxes(noop, [], 3, n)).toEqual([]);
    expect(reducedAxes(reduceAttrs(n, 11), undefined, 3, n)).toEqual([0, 1, 2]);
    expect(() => reducedAxes(noop, [3], 3, n)).toThrow(/axis 3/);
  });
});

function vjp(opType: string, node: NodeView, inputs: Tensor[], y: Tensor, dy: Tensor): Tensor[] {
  const ctx: RuleContext = { node, inputs, outputs: [y], gradOutputs: [dy], needs: inputs.map(() => true), opset: 13 };
  return reductionRules[opType]!.vjp(ctx) as Tensor[];
}

describe('tie rule of the extremum reductions', () => {
  it('ReduceMax splits δ equally among the tied maxima', () => {
    const x = tensor([2, 3], [1, 3, 3, -2, -1, -2]);
    const [dx] = vjp('ReduceMax', nodeOf('ReduceMax', ['x'], { axes: [1] }), [x], tensor([2, 1], [3, -1]), tensor([2, 1], [4, 6]));
    expect(Array.from(dx!.data)).toEqual([0, 2, 2, 0, 6, 0]);
  });

  it('ReduceMin splits δ equally among the tied minima', () => {
    const x = tensor([2, 3], [1, 3, 3, -2, -1, -2]);
    const [dx] = vjp('ReduceMin', nodeOf('ReduceMin', ['x'], { axes: [1] }), [x], tensor([2, 1], [1, -2]), tensor([2, 1], [4, 6]));
    expect(Array.from(dx!.data)).toEqual([4, 0, 0, 3, 0, 3]);
  });

  it('Max splits δ equally among the tied operands and sums it back over broadcast axes', () => {
    const a = tensor([2, 2], [1, 5, 2, 0]);
    const b = tensor([2], [1, 2]);
    const [da, db] = vjp('Max', nodeOf('Max', ['a', 'b']), [a, b], tensor([2, 2], [1, 5, 2, 2]), tensor([2, 2], [2, 4, 6, 8]));
    expect(Array.from(da!.data)).toEqual([1, 4, 6, 0]);
    expect(Array.from(db!.data)).toEqual([1, 8]);
  });
});
