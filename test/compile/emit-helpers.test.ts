import { describe, it, expect } from 'vitest';
import { softmaxColumns } from '../../customops/combine-maps.js';
import {
  downEmit, expandToEmit, padEndEmit, reduceSumEmit, reduceToShapeEmit, reshapeEmit, softmaxColumnsBackwardEmit, softmaxColumnsEmit, upEmit,
} from '../../src/compile/emit-helpers.js';
import { conv2dWeightGradEmit, convWeightGradEmit } from '../../src/compile/emit-conv.js';
import { conv2dInputGradEmit, convInputGradEmit } from '../../src/compile/emit-conv-input.js';
import { GraphEmitter, type EmitContext } from '../../src/compile/emit.js';
import { selectEmit, zerosEmit } from '../../src/compile/emit-shape-helpers.js';
import { softmaxColumnsBackward } from '../../src/grad/rules/combine-maps.js';
import { GraphView } from '../../src/graph/graph.js';
import { nodeBackend } from '../../src/node/backend.js';
import { graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Session } from '../../src/runtime/session.js';
import { reduceSum, reduceToShape } from '../../src/tensor/broadcast.js';
import { conv2dInputGrad, conv2dWeightGrad, convNd, convNdInputGrad, convNdWeightGrad, convOutputSize, type Conv2dAttrs, type ConvAttrs } from '../../src/tensor/conv.js';
import { sizeOf, type Tensor } from '../../src/tensor/tensor.js';
import { down, up } from '../../src/tensor/up-down.js';
import { randomFloats, seeded } from '../helpers/random.js';

const rng = seeded(31);

function random(dims: number[]): Tensor {
  return { dims, data: randomFloats(rng, sizeOf(dims)) };
}

/**
 * Emits nodes with `build` over graph inputs `feeds` (an EmitContext whose node
 * is a placeholder), runs the graph in ONNX Runtime at `opsetVersion`, and
 * returns the value `build` names with the dims it recorded.
 */
async function runEmitted(
  feeds: Record<string, Tensor>, build: (ctx: EmitContext, emitter: GraphEmitter) => string, opsetVersion = 17,
): Promise<Tensor & { recorded: readonly number[] }> {
  const emitter = new GraphEmitter(new Map(Object.entries(feeds).map(([k, t]) => [k, t.dims])), 'test');
  const placeholder = new GraphView(graph('g', [node('Identity', ['a'], ['b'])], [valueInfo('a', DataType.FLOAT, [1])], [])).node(0);
  const ctx = emitter.context({ node: placeholder, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
  const out = build(ctx, emitter);
  const result = 'result';
  const inputs = Object.entries(feeds).map(([k, t]) => valueInfo(k, DataType.FLOAT, [...t.dims]));
  const g = graph('emitted', [...emitter.nodes, node('Identity', [out], [result])], inputs, [{ name: result, metadata_props: [] }], emitter.constants);
  const session = await Session.create(nodeBackend, encodeModel(model(g, { opsets: [opset('', opsetVersion)] })), [], { label: 'emitted.onnx' });
  try {
    const r = (await session.run(feeds))[result]!;
    return { dims: [...r.dims], data: r.data as Float32Array, recorded: emitter.dims(out) };
  } finally {
    await session.dispose();
  }
}

function expectClose(got: Tensor & { recorded: readonly number[] }, want: Tensor, tol = 1e-5): void {
  expect(got.dims).toEqual([...want.dims]);
  expect(got.recorded).toEqual([...want.dims]);
  let scale = 1e-6;
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < want.data.length; i++) err = Math.max(err, Math.abs(got.data[i]! - want.data[i]!));
  expect(err / scale).toBeLessThanOrEqual(tol);
}

describe('reduceToShapeEmit', () => {
  const cases: [number[], number[]][] = [
    [[2, 3, 4], [3, 4]],
    [[2, 3, 4], [3, 1]],
    [[2, 3, 4], [1, 4]],
    [[2, 3, 4], [4]],
    [[2, 3, 4], []],
    [[2, 1, 4], [2, 1, 1]],
    [[3, 4], [3, 4]],
  ];
  for (const [from, to] of cases) {
    for (const opsetVersion of [11, 17]) {
      it(`sums [${from.join(',')}] back to [${to.join(',')}] at opset ${opsetVersion}`, async () => {
        const g = random(from);
        expectClose(await runEmitted({ g }, (ctx) => reduceToShapeEmit(ctx, 'g', from, to), opsetVersion), reduceToShape(g, to));
      });
    }
  }

  it('reshapes to outDims when asked', async () => {
    const g = random([2, 3, 4, 5]);
    const want = reduceToShape(g, [3, 1, 1]);
    expectClose(await runEmitted({ g }, (ctx) => reduceToShapeEmit(ctx, 'g', [2, 3, 4, 5], [3, 1, 1], [3])), { dims: [3], data: want.data });
  });
});

describe('reduceSumEmit and reshapeEmit', () => {
  for (const opsetVersion of [11, 13]) {
    it(`sums over axes [0, 2] without keeping them at opset ${opsetVersion}`, async () => {
      const x = random([2, 3, 4]);
      expectClose(await runEmitted({ x }, (ctx) => reduceSumEmit(ctx, 'x', [2, 3, 4], [0, 2], false), opsetVersion), reduceSum(x, [0, 2], false));
    });
  }

  it('adds no node for empty axes or an unchanged shape', async () => {
    const emitter = new GraphEmitter(new Map([['x', [2, 3]]]));
    const placeholder = new GraphView(graph('g', [node('Identity', ['a'], ['b'])], [valueInfo('a', DataType.FLOAT, [1])], [])).node(0);
    const ctx = emitter.context({ node: placeholder, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 });
    expect(reduceSumEmit(ctx, 'x', [2, 3], [], true)).toBe('x');
    expect(reshapeEmit(ctx, 'x', [2, 3], [2, 3])).toBe('x');
    expect(emitter.nodes).toHaveLength(0);
  });
});

describe('upEmit, downEmit and padEndEmit', () => {
  const cases: [number[], number][] = [[[2, 3, 6, 4], 2], [[1, 2, 7, 8], 3], [[2, 1, 5, 6], 2], [[1, 2, 3, 4], 1]];
  for (const [dims, n] of cases) {
    it(`down then up of [${dims.join(',')}] with n = ${n} match the TypeScript kernels`, async () => {
      const x = random(dims);
      const d = down(x, n);
      expectClose(await runEmitted({ x }, (ctx) => downEmit(ctx, 'x', dims, n)), d);
      expectClose(await runEmitted({ d }, (ctx) => upEmit(ctx, 'd', d.dims, n, dims[2]!, dims[3]!)), up(d, n, dims[2], dims[3]));
    });
  }

  it('pads with zeros at the end in the attribute form before opset 11', async () => {
    const x = random([2, 3]);
    const got = await runEmitted({ x }, (ctx) => padEndEmit(ctx, 'x', [2, 3], [3, 5]), 10);
    const want = new Float32Array(15);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want[i * 5 + j] = x.data[i * 3 + j]!;
    expectClose(got, { dims: [3, 5], data: want });
  });
});

describe('conv2dInputGradEmit and conv2dWeightGradEmit', () => {
  const cases: [string, number[], number[], Conv2dAttrs][] = [
    ['plain', [2, 3, 5, 7], [4, 3, 3, 2], { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }],
    ['strides with dropped rows', [2, 2, 8, 7], [3, 2, 3, 2], { strides: [3, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }],
    ['asymmetric pads and dilations', [1, 2, 9, 8], [2, 2, 2, 3], { strides: [2, 1], pads: [2, 0, 1, 3], dilations: [2, 2], group: 1 }],
    ['groups with strides', [2, 6, 7, 6], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 0, 1], dilations: [1, 1], group: 2 }],
    ['depthwise with a multiplier', [2, 3, 6, 5], [6, 1, 2, 2], { strides: [1, 2], pads: [0, 1, 1, 0], dilations: [1, 2], group: 3 }],
    ['padding wider than the kernel', [1, 1, 4, 4], [2, 1, 2, 2], { strides: [2, 2], pads: [3, 2, 3, 3], dilations: [1, 1], group: 1 }],
  ];
  for (const [label, xDims, wDims, a] of cases) {
    for (const opsetVersion of [11, 17]) {
      it(`${label} at opset ${opsetVersion}`, async () => {
        const oH = convOutputSize(xDims[2]!, wDims[2]!, a.strides[0], a.pads[0], a.pads[2], a.dilations[0]);
        const oW = convOutputSize(xDims[3]!, wDims[3]!, a.strides[1], a.pads[1], a.pads[3], a.dilations[1]);
        const dyDims = [xDims[0]!, wDims[0]!, oH, oW];
        const x = random(xDims);
        const w = random(wDims);
        const dy = random(dyDims);
        expectClose(
          await runEmitted({ dy, w }, (ctx) => conv2dInputGradEmit(ctx, 'dy', 'w', wDims, xDims, a), opsetVersion),
          conv2dInputGrad(dy, w, xDims, a),
        );
        expectClose(
          await runEmitted({ x, dy }, (ctx) => conv2dWeightGradEmit(ctx, 'x', xDims, 'dy', dyDims, wDims, a), opsetVersion),
          conv2dWeightGrad(x, dy, wDims, a),
        );
      });
    }
  }
});

describe('convInputGradEmit and convWeightGradEmit over 1 and 3 spatial axes', () => {
  const cases: [string, number[], number[], ConvAttrs][] = [
    ['1-D with stride, pads and dilation', [2, 3, 11], [4, 3, 3], { strides: [2], pads: [2, 1], dilations: [2], group: 1 }],
    ['1-D depthwise with dropped positions', [2, 4, 10], [4, 1, 2], { strides: [3], pads: [0, 1], dilations: [1], group: 4 }],
    ['3-D with strides, asymmetric pads and dilations', [1, 2, 6, 5, 7], [2, 2, 2, 3, 2], { strides: [2, 1, 3], pads: [1, 0, 2, 0, 2, 1], dilations: [2, 1, 2], group: 1 }],
    ['3-D groups', [2, 4, 3, 4, 4], [6, 2, 2, 2, 3], { strides: [1, 2, 1], pads: [1, 1, 0, 0, 1, 1], dilations: [1, 1, 1], group: 2 }],
  ];
  for (const [label, xDims, wDims, a] of cases) {
    for (const opsetVersion of [9, 17]) {
      it(`${label} at opset ${opsetVersion}`, async () => {
        const x = random(xDims);
        const w = random(wDims);
        const dyDims = [...convNd(x, w, undefined, a).dims];
        const dy = random(dyDims);
        expectClose(
          await runEmitted({ dy, w }, (ctx) => convInputGradEmit(ctx, 'dy', 'w', wDims, xDims, a), opsetVersion),
          convNdInputGrad(dy, w, xDims, a),
        );
        expectClose(
          await runEmitted({ x, dy }, (ctx) => convWeightGradEmit(ctx, 'x', xDims, 'dy', dyDims, wDims, a), opsetVersion),
          convNdWeightGrad(x, dy, wDims, a),
        );
      });
    }
  }
});

describe('expandToEmit, zerosEmit and selectEmit at every opset form', () => {
  for (const opsetVersion of [7, 8, 17]) {
    it(`broadcasts, makes zeros and selects at opset ${opsetVersion}`, async () => {
      const x = random([2, 1, 3]);
      const want = new Float32Array(2 * 4 * 3);
      for (let a = 0; a < 2; a++) for (let b = 0; b < 4; b++) for (let c = 0; c < 3; c++) want[(a * 4 + b) * 3 + c] = x.data[a * 3 + c]!;
      expectClose(await runEmitted({ x }, (ctx) => expandToEmit(ctx, 'x', [2, 1, 3], [2, 4, 3]), opsetVersion), { dims: [2, 4, 3], data: want });
      const zeros = await runEmitted({ x }, (ctx) => {
        const sum = ctx.op('Add', [zerosEmit(ctx, [2, 4, 3]), expandToEmit(ctx, 'x', [2, 1, 3], [2, 4, 3])]);
        ctx.setDims(sum, [2, 4, 3]);
        return sum;
      }, opsetVersion);
      expect(Array.from(zeros.data)).toEqual(Array.from(want));
      const picked = await runEmitted({ x }, (ctx) => {
        const hit = ctx.op('Less', ['x', ctx.floats([0], [])]);
        return selectEmit(ctx, hit, 'x', [2, 1, 3]);
      }, opsetVersion);
      expect(Array.from(picked.data)).toEqual(Array.from(x.data, (v) => (v < 0 ? v : 0)));
    });
  }
});

describe('softmaxColumnsEmit and softmaxColumnsBackwardEmit', () => {
  for (const opsetVersion of [11, 17]) {
    it(`softmax over axis 0 of c [4,3] and its Jacobian at opset ${opsetVersion}`, async () => {
      const [I, J] = [4, 3];
      const c = { dims: [I, J], data: randomFloats(rng, I * J, -2, 2) };
      const g = random([I, J]);
      const alpha = Float32Array.from(softmaxColumns(c.data, I, J));
      expectClose(await runEmitted({ c }, (ctx) => softmaxColumnsEmit(ctx, 'c', I, J), opsetVersion), { dims: [I, J], data: alpha });
      const dc = await runEmitted({ c, g }, (ctx) => softmaxColumnsBackwardEmit(ctx, softmaxColumnsEmit(ctx, 'c', I, J), 'g', I, J), opsetVersion);
      expectClose(dc, { dims: [I, J], data: Float32Array.from(softmaxColumnsBackward(alpha, g.data, I, J)) });
    });
  }
});
