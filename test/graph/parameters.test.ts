import { describe, expect, it } from 'vitest';
import { GraphView } from '../../src/graph/graph.js';
import { findParameters, tiedParameters } from '../../src/graph/parameters.js';
import { floatTensor, graph, int64Tensor, node, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';

const f = (name: string, dims: number[]) => floatTensor(name, dims, new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0.5));

/**
 * image − norm.mean → Conv(W, B) → BatchNorm(scale, bias, mean, var) → ·half →
 * Conv(W2, B) (B shared with the first Conv) → Flatten → MatMul(Wfc) + bfc → y.
 */
function net(): GraphView {
  const g = graph('params', [
    node('Sub', ['image', 'norm.mean'], ['x0']),
    node('Conv', ['x0', 'W', 'B'], ['c1'], { pads: [1, 1, 1, 1] }, { name: 'conv1' }),
    node('BatchNormalization', ['c1', 'scale', 'bias', 'mean', 'var'], ['b1'], {}, { name: 'bn1' }),
    node('Mul', ['b1', 'half'], ['h1']),
    node('Conv', ['h1', 'W2', 'B'], ['c2'], { pads: [1, 1, 1, 1] }, { name: 'conv2' }),
    node('Flatten', ['c2'], ['flat']),
    node('MatMul', ['flat', 'Wfc'], ['mm'], {}, { name: 'fc' }),
    node('Add', ['mm', 'bfc'], ['y'], {}, { name: 'fc_bias' }),
    node('Reshape', ['y', 'shape'], ['y2']),
  ], [valueInfo('image', DataType.FLOAT, [1, 3, 4, 4])], [valueInfo('y2', DataType.FLOAT, [1, 5])], [
    f('norm.mean', [1, 3, 1, 1]), f('W', [4, 3, 3, 3]), f('B', [4]), f('scale', [4]), f('bias', [4]), f('mean', [4]), f('var', [4]),
    f('half', []), f('W2', [4, 4, 3, 3]), f('Wfc', [64, 5]), f('bfc', [5]), int64Tensor('shape', [2], [1, 5]),
  ]);
  return new GraphView(g, 'params.onnx');
}

describe('model parameters', () => {
  it('are the float tensors feeding weight, bias and scale inputs; running statistics and baked-in constants are not', () => {
    const { uses } = findParameters(net());
    expect([...uses.keys()].sort()).toEqual(['B', 'W', 'W2', 'Wfc', 'bfc', 'bias', 'scale']);
    expect(uses.get('bfc')).toEqual([{ index: 7, node: 'fc_bias', opType: 'Add', input: 1 }]);
  });

  it('a tensor feeding two parameter inputs is reported as tied, with both uses', () => {
    const tied = tiedParameters(findParameters(net()));
    expect([...tied.keys()]).toEqual(['B']);
    expect(tied.get('B')!.map((u) => u.node)).toEqual(['conv1', 'conv2']);
  });
});
