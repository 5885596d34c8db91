/**
 * The shape pass's Conv stand-ins (src/compile/shape-stand-ins.ts): the dims
 * recorded with them equal those the real forward pass gives, value by value,
 * on real architectures (torchvision exports at three opsets: 1-D, grouped,
 * depthwise, strided and dilated convolutions, ceil_mode pools, channel
 * shuffles, squeeze-excitation, U-Net's skips) and LeNet-5; and a Conv whose
 * values could set a shape or index downstream keeps its real Conv.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordShapes } from '../../src/compile/shapes.js';
import { replaceConvsByStandIns, standInConvs } from '../../src/compile/shape-stand-ins.js';
import { npyToHost } from '../../src/cli/common.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { readNpy } from '../../src/io/npy.js';
import { nodeBackend } from '../../src/node/backend.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { floatTensor, graph, int64Tensor, node } from '../../src/onnx/builder.js';
import type { NodeProto } from '../../src/onnx/types.js';

const TORCH = 'test/fixtures/torch';

async function shapesBothWays(file: string, feedsOf: (input: string) => Promise<Record<string, { dims: number[]; data: Float32Array }>>) {
  const m = await loadModelFile(file);
  const engine = await GradientEngine.create(m, nodeBackend, { loss: 'cross-entropy' });
  try {
    const feeds = await feedsOf(m.inputs[0]!.name);
    const weights = engine.currentWeights();
    const real = await recordShapes(engine.work, nodeBackend, engine.plan, feeds, weights, undefined, { standIns: false });
    const fast = await recordShapes(engine.work, nodeBackend, engine.plan, feeds, weights);
    const dims = new Map(engine.work.initializers.map((t) => [t.name ?? '', t.dims.map(Number)]));
    const picked = standInConvs(engine.work.graph.node, (w) => dims.get(w)).length;
    return { real, fast, picked, convs: engine.work.graph.node.filter((n) => n.op_type === 'Conv').length };
  } finally {
    await engine.dispose();
  }
}

describe('the shape pass with Conv stand-ins', () => {
  const fixtures = readdirSync(TORCH).filter((f) => f.endsWith('.onnx')).sort();

  it.each(fixtures)('%s: every value has the dims the real forward pass gives', async (file) => {
    const stem = file.replace(/-opset\d+\.onnx$/, '');
    const { real, fast, picked, convs } = await shapesBothWays(`${TORCH}/${file}`, async (input) => ({
      [input]: npyToHost(await readNpy(`${TORCH}/${stem}.x.npy`)) as { dims: number[]; data: Float32Array },
    }));
    expect([...fast.keys()].sort()).toEqual([...real.keys()].sort());
    for (const [v, d] of real) expect(fast.get(v), v).toEqual(d);
    // every Conv of these models takes a stand-in (none of their Conv values sets a shape)
    expect(picked).toBe(convs);
  });

  it('LeNet-5 (two Convs around the paper\'s table convolution): the same dims', async () => {
    const { real, fast, picked } = await shapesBothWays('models/lenet5.onnx', async (input) => ({
      [input]: { dims: [3, 1, 28, 28], data: Float32Array.from({ length: 3 * 784 }, (_, i) => Math.sin(i)) },
    }));
    for (const [v, d] of real) expect(fast.get(v), v).toEqual(d);
    expect(picked).toBe(2);
  });
});

describe('which Convs take a stand-in', () => {
  const conv = (x: string, w: string, y: string) => node('Conv', [x, w], [y], { kernel_shape: [3, 3] });
  const dims = (w: string) => (['W1', 'W2'].includes(w) ? [4, 2, 3, 3] : undefined);
  const picked = (nodes: NodeProto[]) => standInConvs(nodes, dims).map((n) => n.output[0]);

  it('values that only flow into ops whose dims follow from dims, or into Shape, leave every Conv replaceable', () => {
    expect(picked([
      conv('x', 'W1', 'c1'), node('Relu', ['c1'], ['r']), conv('r', 'W2', 'c2'), node('Shape', ['c2'], ['s']),
      node('Reshape', ['r', 's'], ['rr']), node('Add', ['rr', 'c2'], ['out']),
    ])).toEqual(['c1', 'c2']);
  });

  it('a Conv value that reaches a Reshape\'s shape, a Slice\'s ends, a Gather\'s indices or an integer divisor keeps every Conv real', () => {
    const reach = (tail: NodeProto[]) => picked([conv('x', 'W1', 'c1'), node('ReduceMax', ['c1'], ['m'], { keepdims: 0 }), node('Cast', ['m'], ['k'], { to: 7 }), ...tail]);
    expect(reach([node('Reshape', ['x', 'k'], ['y'])])).toEqual([]);
    expect(reach([node('Slice', ['x', 'zero', 'k'], ['y'])])).toEqual([]);
    expect(reach([node('Gather', ['x', 'k'], ['y'])])).toEqual([]);
    expect(reach([node('Div', ['x', 'k'], ['y'])])).toEqual([]);
    expect(reach([node('Div', ['k', 'x'], ['y'])])).toEqual(['c1']);
    // a float divisor is safe (a decomposed LayerNorm divides by a deviation computed from the Conv's values)
    expect(picked([conv('x', 'W1', 'c1'), node('ReduceMean', ['c1'], ['m']), node('Div', ['x', 'm'], ['y'])])).toEqual(['c1']);
    expect(picked([conv('x', 'W1', 'c1'), node('Cast', ['c1'], ['h'], { to: 10 }), node('Div', ['x', 'h'], ['y'])])).toEqual(['c1']);
  });

  it('a Conv value read by an op not known to take dims alone, or inside a subgraph, keeps every Conv real', () => {
    expect(picked([conv('x', 'W1', 'c1'), node('NonZero', ['c1'], ['nz'])])).toEqual([]);
    const body = graph('body', [node('Identity', ['c1'], ['out'])], [], []);
    expect(picked([conv('x', 'W1', 'c1'), node('If', ['cond'], ['y'], { then_branch: { graph: body }, else_branch: { graph: body } })])).toEqual([]);
    expect(picked([conv('x', 'W1', 'c1'), node('Foo', ['c1'], ['y'], {}, { domain: 'com.example' })])).toEqual([]);
  });

  it('a Conv whose weight dims are unknown (made by a node) stays real; the others are replaced', () => {
    expect(picked([node('Mul', ['V', 'g'], ['Wn']), conv('x', 'Wn', 'c0'), conv('c0', 'W1', 'c1')])).toEqual(['c1']);
  });

  it('the stand-in reads the first input channel with a zero weight of the same output channels and kernel, and keeps the attributes but the group', () => {
    const g = graph('g', [node('Conv', ['x', 'W1', 'b'], ['c'], { kernel_shape: [3, 3], strides: [2, 2], group: 2, pads: [1, 1, 1, 1] })], [], [],
      [floatTensor('b', [4], [0, 0, 0, 0]), int64Tensor('unused', [1], [0])]);
    const count = replaceConvsByStandIns(g, 13, (w) => (w === 'W1' ? { dims: [4, 2, 3, 3], dataType: 1 } : undefined));
    expect(count).toBe(1);
    expect(g.node.map((n) => n.op_type)).toEqual(['Slice', 'Conv']);
    const [slice, standIn] = g.node as [NodeProto, NodeProto];
    expect(slice.input[0]).toBe('x');
    expect(standIn.output).toEqual(['c']);
    expect(standIn.attribute.map((a) => a.name).sort()).toEqual(['kernel_shape', 'pads', 'strides']);
    const w = g.initializer.find((t) => t.name === standIn.input[1])!;
    expect(w.dims.map(Number)).toEqual([4, 1, 3, 3]);
    expect([...new Float32Array(w.raw_data!.slice().buffer)].every((v) => v === 0)).toBe(true);
    // the bias only the replaced Conv read is left out; an initializer nothing read before stays
    expect(g.initializer.map((t) => t.name)).toEqual(['unused', standIn.input[1], 'edgetune.shape-stand-in/0/zero', 'edgetune.shape-stand-in/0/one']);
  });

  it('an op that keeps its first input\'s dims runs as an Identity on a replaced Conv\'s values, and as itself elsewhere', () => {
    const g = graph('g', [
      node('Relu', ['x'], ['rx']), node('Conv', ['rx', 'W1'], ['c'], { kernel_shape: [3, 3] }),
      node('BatchNormalization', ['c', 's', 'b', 'm', 'v'], ['bn']), node('Clip', ['bn', 'lo', 'hi'], ['r']),
      node('BatchNormalization', ['r', 's', 'b', 'm', 'v'], ['bn2', 'rm', 'rv']), node('Add', ['bn2', 'r'], ['y']),
    ], [], []);
    replaceConvsByStandIns(g, 13, (v) => (v === 'W1' ? { dims: [4, 2, 3, 3], dataType: 1 } : undefined));
    expect(g.node.map((n) => `${n.op_type}:${n.input.join(',')}`)).toEqual([
      'Relu:x', 'Slice:rx,edgetune.shape-stand-in/0/zero,edgetune.shape-stand-in/0/one,edgetune.shape-stand-in/0/one',
      'Conv:edgetune.shape-stand-in/0/x,edgetune.shape-stand-in/0/w', 'Identity:c', 'Identity:bn', 'BatchNormalization:r,s,b,m,v', 'Add:bn2,r',
    ]);
    expect(g.node[3]!.output).toEqual(['bn']);
    expect(g.node[4]!.output).toEqual(['r']);
  });

  it('an initializer a replaced Conv shares with another node stays in the pass\'s model', () => {
    const g = graph('g', [node('Conv', ['x', 'W1', 'b'], ['c'], { kernel_shape: [3, 3] }), node('Add', ['c', 'b2'], ['y']), node('Mul', ['b', 'b'], ['bb'])], [], [],
      [floatTensor('b', [4], [0, 0, 0, 0]), floatTensor('b2', [1], [0])]);
    replaceConvsByStandIns(g, 13, (v) => (v === 'W1' ? { dims: [4, 2, 3, 3], dataType: 1 } : undefined));
    expect(g.initializer.map((t) => t.name).slice(0, 2)).toEqual(['b', 'b2']);
  });
});
