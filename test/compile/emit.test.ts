/**
 * GraphEmitter's record of the forward nodes (EmitContext.producerOp), which
 * rules read to fuse across a pair of ops (MaxPool after Relu): ONNX's own
 * ops by their bare type, whether their domain is written '' or 'ai.onnx',
 * and any other domain's op prefixed with that domain, so that a custom op
 * that happens to share a name is never mistaken for the ONNX one.
 */
import { describe, expect, it } from 'vitest';
import { GraphEmitter } from '../../src/compile/emit.js';
import { GraphView } from '../../src/graph/graph.js';
import { graph, node, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';

describe('GraphEmitter.recordForward / EmitContext.producerOp', () => {
  it("names ONNX's ops bare and other domains' ops with their domain", () => {
    const view = new GraphView(graph('g', [
      node('Relu', ['x'], ['a']),
      node('Relu', ['a'], ['b'], {}, { domain: 'ai.onnx' }),
      node('Relu', ['b'], ['c'], {}, { domain: 'com.example' }),
      node('Subsample', ['c'], ['d'], {}, { domain: 'edgetune' }),
    ], [valueInfo('x', DataType.FLOAT, [1, 2])], [valueInfo('d', DataType.FLOAT)]));
    const emitter = new GraphEmitter(new Map([['x', [1, 2]]]), 'test');
    emitter.recordForward(view.nodes);
    const ctx = emitter.context({ node: view.node(0), inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 });
    expect(['a', 'b', 'c', 'd', 'x'].map((v) => ctx.producerOp(v))).toEqual(['Relu', 'Relu', 'com.example.Relu', 'edgetune.Subsample', undefined]);
  });
});
