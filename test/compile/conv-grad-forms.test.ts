/**
 * Every form of the convolution emitters (src/compile/emit-helpers.ts),
 * forced one at a time, against the TypeScript kernels: ∂X ('direct',
 * 'matmul', 'gemm', 'patches', 'shift', 'gather', 'flip'), ∂W ('direct', 'gemm', 'taps'), the forward
 * Conv as patches and one Gemm, on 1-D, 2-D and 3-D geometries with strides,
 * pads and dilations, at opsets from 7 to 21 (a form the opset lacks falls
 * back to one it has), and the Concat tree GPU providers get.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { concatTreeEmit } from '../../src/compile/emit-helpers.js';
import { chooseConvGradForms, PATCHES_FROM_BYTES, TAPS_ABOVE_BYTES, convForwardGemmEmit, convWeightGradEmit, directBatchSplit, directEndPads, transposedWeightGemm, type WeightGradForm } from '../../src/compile/emit-conv.js';
import { convInputGradEmit, type InputGradForm } from '../../src/compile/emit-conv-input.js';
import { GraphEmitter } from '../../src/compile/emit.js';
import type { NodeView } from '../../src/graph/graph.js';
import { graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { convNd, convNdInputGrad, convNdWeightGrad, convOutputSize, type ConvAttrs } from '../../src/tensor/conv.js';

interface Geo {
  name: string;
  x: number[];
  w: number[];
  a: ConvAttrs;
}

const GEOS: Geo[] = [
  { name: '2-D 3×3 pad 1', x: [3, 4, 5, 6], w: [5, 4, 3, 3], a: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 } },
  { name: '2-D stride 2, uneven pads, remainder', x: [2, 3, 7, 8], w: [4, 3, 3, 2], a: { strides: [2, 3], pads: [1, 0, 0, 1], dilations: [1, 1], group: 1 } },
  { name: '2-D dilation 2, pads past the reach', x: [2, 2, 9, 7], w: [3, 2, 2, 3], a: { strides: [1, 1], pads: [2, 3, 1, 2], dilations: [2, 1], group: 1 } },
  { name: '2-D 1×1 stride 2', x: [3, 6, 5, 5], w: [4, 6, 1, 1], a: { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 } },
  { name: '2-D one window over the whole input', x: [4, 3, 3, 2], w: [5, 3, 3, 2], a: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 } },
  { name: '2-D small output (2×2)', x: [3, 8, 2, 2], w: [6, 8, 3, 3], a: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 } },
  { name: '2-D pads larger than (k − 1)·d', x: [2, 2, 4, 4], w: [3, 2, 2, 2], a: { strides: [1, 1], pads: [2, 2, 2, 2], dilations: [1, 1], group: 1 } },
  { name: '1-D stride 2', x: [2, 3, 11], w: [4, 3, 3], a: { strides: [2], pads: [1, 2], dilations: [1], group: 1 } },
  { name: '1-D stride 4 over dilation 2, end pad past the last window', x: [2, 3, 11], w: [4, 3, 2], a: { strides: [4], pads: [0, 3], dilations: [2], group: 1 } },
  { name: '3-D', x: [2, 2, 4, 5, 3], w: [3, 2, 2, 3, 2], a: { strides: [1, 2, 1], pads: [0, 1, 1, 1, 0, 0], dilations: [1, 1, 2], group: 1 } },
  { name: '2-D one input channel, batch 4 (∂W direct: the batch in two groups)', x: [4, 1, 6, 5], w: [3, 1, 3, 2], a: { strides: [1, 2], pads: [1, 0, 1, 1], dilations: [1, 1], group: 1 } },
  { name: '2-D dilation 2, uneven pads within the reach', x: [2, 3, 7, 6], w: [4, 3, 3, 3], a: { strides: [1, 1], pads: [1, 0, 3, 2], dilations: [2, 1], group: 1 } },
  { name: '2-D group 2 (direct forms only)', x: [2, 4, 5, 5], w: [6, 2, 3, 3], a: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 2 } },
];

const OPSETS = [7, 11, 13, 17, 18, 21];

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed + 0.731 * i) * (1 + (i % 3) * 0.25));
}

const sizeOf = (d: readonly number[]) => d.reduce((p, q) => p * q, 1);

function outDims(g: Geo): number[] {
  const r = g.x.length - 2;
  return [g.x[0]!, g.w[0]!, ...g.x.slice(2).map((n, i) => convOutputSize(n, g.w[2 + i]!, g.a.strides[i]!, g.a.pads[i]!, g.a.pads[r + i]!, g.a.dilations[i]!))];
}

/** Run a graph the emitter builds from named inputs, returning its one output. */
async function runEmitted(
  inputs: Record<string, { dims: number[]; data: Float32Array }>, opsetVersion: number,
  build: (ctx: ReturnType<GraphEmitter['context']>) => string, maxOperands?: number,
): Promise<Float32Array> {
  const e = new GraphEmitter(new Map(Object.entries(inputs).map(([k, v]) => [k, v.dims])), 'test', maxOperands ? { maxOperands } : {});
  const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
  const out = build(ctx);
  e.nodes.push(node('Identity', [out], ['out']));
  const g = graph('forms', e.nodes, Object.entries(inputs).map(([k, v]) => valueInfo(k, DataType.FLOAT, v.dims)), [valueInfo('out', DataType.FLOAT)], e.constants);
  const s = await ort.InferenceSession.create(encodeModel(model(g, { opsets: [opset('', opsetVersion)] })), { logSeverityLevel: 3 });
  try {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]));
    return (await s.run(feeds)).out!.data as Float32Array;
  } finally {
    await s.release();
  }
}

function expectClose(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  let scale = 1e-6, err = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
  expect(err / scale).toBeLessThanOrEqual(1e-5);
}

describe('convolution gradient forms', () => {
  for (const g of GEOS) {
    const yDims = outDims(g);
    const x = { dims: g.x, data: values(sizeOf(g.x), 1) };
    const w = { dims: g.w, data: values(sizeOf(g.w), 2) };
    const dy = { dims: yDims, data: values(sizeOf(yDims), 3) };
    const wantDx = convNdInputGrad(dy, w, g.x, g.a).data;
    const wantDw = convNdWeightGrad(x, dy, g.w, g.a).data;
    const wantY = convNd(x, w, undefined, g.a).data;
    describe(g.name, () => {
      it.each(OPSETS)('∂X in every form at opset %i', async (v) => {
        for (const form of ['direct', 'matmul', 'gemm', 'patches', 'shift', 'gather', 'flip'] as InputGradForm[]) {
          expectClose(await runEmitted({ dy, w }, v, (ctx) => convInputGradEmit(ctx, 'dy', 'w', g.w, g.x, g.a, form)), wantDx);
        }
      });
      it.each(OPSETS)('∂W in every form at opset %i', async (v) => {
        for (const form of ['direct', 'gemm', 'taps'] as WeightGradForm[]) {
          expectClose(await runEmitted({ x, dy }, v, (ctx) => convWeightGradEmit(ctx, 'x', g.x, 'dy', yDims, g.w, g.a, form)), wantDw);
        }
      });
      it.each(OPSETS)('the forward Conv as patches and one Gemm at opset %i', async (v) => {
        if (g.a.group !== 1 || (v < 10 && g.a.strides.some((s) => s !== 1))) return;
        expectClose(await runEmitted({ x, w }, v, (ctx) => convForwardGemmEmit(ctx, 'x', g.x, 'w', g.w, yDims, g.a)), wantY);
      });
    });
  }

  it("chooses ∂X forms by output positions, stride and opset (ResNet-18's layers at 64×64)", () => {
    const ctx = (opsetVersion: number) => new GraphEmitter(new Map(), 'test').context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
    const a = (s: number) => ({ strides: [s, s], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 });
    const input = (v: number, dy: number[], w: number[], s: number) => chooseConvGradForms(ctx(v), dy, w, a(s)).input;
    // layer4.0.conv1 (stride 2, 2×2 out), layer3.0.conv1 (stride 2, 4×4), layer4 (2×2), layer3 (4×4), layer2 (8×8)
    expect([input(17, [32, 512, 2, 2], [512, 256, 3, 3], 2), input(17, [32, 256, 4, 4], [256, 128, 3, 3], 2), input(17, [32, 512, 2, 2], [512, 512, 3, 3], 1),
      input(17, [32, 256, 4, 4], [256, 256, 3, 3], 1), input(17, [32, 128, 8, 8], [128, 128, 3, 3], 1)]).toEqual(['gather', 'gather', 'gather', 'patches', 'flip']);
    // layer1 (16×16) and a 1×1 conv at stride 1 by the flipped Conv; layer2.0.conv1 (stride 2) by ConvTranspose; before opset 10 (no negative Slice steps) too
    expect([input(13, [32, 64, 16, 16], [64, 64, 3, 3], 1), chooseConvGradForms(ctx(13), [32, 64, 16, 16], [64, 128, 1, 1], { ...a(1), pads: [0, 0, 0, 0] }).input,
      input(13, [32, 128, 8, 8], [128, 64, 3, 3], 2), input(9, [32, 64, 16, 16], [64, 64, 3, 3], 1)]).toEqual(['flip', 'flip', 'direct', 'direct']);
    // LeNet-5's C3 (5×5, no pads: the flipped Conv would multiply over the 14×14 image, ConvTranspose over the 10×10 δ)
    expect(chooseConvGradForms(ctx(13), [64, 16, 10, 10], [16, 6, 5, 5], { ...a(1), pads: [0, 0, 0, 0] }).input).toBe('direct');
    // with Col2Im (opset 18) up to 32 positions
    expect(input(18, [32, 512, 2, 2], [512, 256, 3, 3], 2)).toBe('gemm');
    expect(chooseConvGradForms(ctx(17), [32, 8, 2, 2], [8, 4, 3, 3], { ...a(1), group: 2 }).input).toBe('direct');
  });

  it('chooses the ∂W form by channels, kernel and the size of the patch matrix', () => {
    const ctx = new GraphEmitter(new Map(), 'test').context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 13 });
    const a = (s: number, p: number) => ({ strides: [s, s], pads: [p, p, p, p], dilations: [1, 1], group: 1 });
    const weight = (dy: number[], w: number[], s = 1, p = 1) => chooseConvGradForms(ctx, dy, w, a(s, p)).weight;
    // ResNet-18 at 64×64, batch 32: layer1 (a 19 MB patch matrix), layer2, the 1×1 downsample
    expect([weight([32, 64, 16, 16], [64, 64, 3, 3]), weight([32, 128, 8, 8], [128, 128, 3, 3]), weight([32, 128, 8, 8], [128, 64, 1, 1], 2, 0)]).toEqual(['gemm', 'gemm', 'gemm']);
    // layer1 at 224×224: 231 MB of patches, read tap by tap
    expect(4 * 64 * 9 * 56 * 56 * 32).toBeGreaterThan(TAPS_ABOVE_BYTES);
    expect(weight([32, 64, 56, 56], [64, 64, 3, 3])).toBe('taps');
    // a wide kernel with many output channels, groups: the per-channel Conv
    expect([weight([32, 64, 32, 32], [64, 3, 7, 7], 2, 3), weight([32, 64, 8, 8], [64, 64, 3, 3].map((d, i) => (i === 1 ? 32 : d)))]).toEqual(['direct', 'gemm']);
    // few output channels (LeNet-5's first two layers): patches from PATCHES_FROM_BYTES (batch 64: 5 MB and 3.8 MB) up to
    // TAPS_ABOVE_BYTES, else the per-channel Conv (batch 8: 627 kB and 480 kB; batch 4096: 321 MB)
    expect(4 * 6 * 25 * 100 * 8).toBeLessThan(PATCHES_FROM_BYTES);
    expect(4 * 6 * 25 * 100 * 64).toBeGreaterThanOrEqual(PATCHES_FROM_BYTES);
    expect([weight([64, 6, 28, 28], [6, 1, 5, 5], 1, 0), weight([64, 16, 10, 10], [16, 6, 5, 5], 1, 0)]).toEqual(['gemm', 'gemm']);
    expect([weight([8, 6, 28, 28], [6, 1, 5, 5], 1, 0), weight([8, 16, 10, 10], [16, 6, 5, 5], 1, 0), weight([4096, 6, 28, 28], [6, 1, 5, 5], 1, 0)]).toEqual(['direct', 'direct', 'direct']);
    expect(chooseConvGradForms(ctx, [32, 64, 8, 8], [64, 32, 3, 3], { ...a(1, 1), group: 2 }).weight).toBe('direct');
  });

  it("computes the 'gemm' ∂W transposed where there are few output channels and many more patch rows", () => {
    // ResNet-18's layer1 (64 × 576) and layer2 (128 × 1,152) transposed; layer3 (256 × 2,304) and 1×1 convs not
    expect([transposedWeightGemm(64, 576), transposedWeightGemm(128, 1152), transposedWeightGemm(256, 2304), transposedWeightGemm(128, 64)]).toEqual([true, true, false, false]);
    // both ways are among the geometries every ∂W form is checked on above
    expect(GEOS.some((g) => g.a.group === 1 && transposedWeightGemm(g.w[0]!, sizeOf(g.w.slice(1))))).toBe(true);
    expect(GEOS.some((g) => g.a.group === 1 && !transposedWeightGemm(g.w[0]!, sizeOf(g.w.slice(1))))).toBe(true);
  });

  it('the forward Gemm and the gemm ∂W read one patch matrix, one Gather of x (no per-tap Slices)', () => {
    const xDims = [4, 8, 5, 5];
    const wDims = [16, 8, 3, 3];
    const a = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };
    const yDims = [4, 16, 5, 5];
    const e = new GraphEmitter(new Map([['x', xDims], ['w', wDims], ['dy', yDims]]), 'test');
    const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 });
    convForwardGemmEmit(ctx, 'x', xDims, 'w', wDims, yDims, a);
    convWeightGradEmit(ctx, 'x', xDims, 'dy', yDims, wDims, a, 'gemm');
    const ops = e.nodes.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'Gather')).toHaveLength(1);
    expect(ops).not.toContain('Slice');
    expect(ops).not.toContain('Concat');
  });

  it("the direct ∂W cuts the batch into two Conv groups only for a dense convolution with < 4 input channels and an even batch, on the CPU", () => {
    const groups = (x: number[], w: number[], group: number, gpu = false) => {
      const e = new GraphEmitter(new Map([['x', x], ['dy', [x[0]!, w[0]!, x[2]! - w[2]! + 1, x[3]! - w[3]! + 1]]]), 'test', { gpu });
      const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 });
      const a = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group };
      convWeightGradEmit(ctx, 'x', x, 'dy', [x[0]!, w[0]!, x[2]! - w[2]! + 1, x[3]! - w[3]! + 1], w, a, 'direct');
      const conv = e.nodes.find((n) => n.op_type === 'Conv')!;
      return Number(conv.attribute.find((t) => t.name === 'group')!.i);
    };
    expect([directBatchSplit(1, 64, 1), directBatchSplit(3, 32, 1), directBatchSplit(4, 32, 1), directBatchSplit(3, 7, 1), directBatchSplit(1, 8, 2)]).toEqual([2, 2, 1, 1, 1]);
    expect(groups([8, 3, 6, 6], [4, 3, 3, 3], 1)).toBe(2);
    expect(groups([8, 6, 6, 6], [4, 6, 3, 3], 1)).toBe(1);
    expect(groups([5, 3, 6, 6], [4, 3, 3, 3], 1)).toBe(1);
    // not for a GPU execution provider
    expect(groups([8, 3, 6, 6], [4, 3, 3, 3], 1, true)).toBe(1);
  });

  it('the direct ∂W computes no position past the kernel: its end pads are cut, and the input where they would go below zero', () => {
    // ResNet-18's first layer at 64×64: 7×7, stride 2, pads 3 → 32×32 outputs; the forward pads reach 8 positions
    expect(directEndPads([64, 64], [7, 7], [32, 32], { strides: [2, 2], pads: [3, 3, 3, 3], dilations: [1, 1], group: 1 })).toEqual({ ends: [2, 2], inner: [64, 64] });
    // stride 2 with no end pad and a row no window reads: one input row fewer
    expect(directEndPads([7, 8], [3, 2], [3, 3], { strides: [2, 3], pads: [1, 0, 0, 1], dilations: [1, 1], group: 1 })).toEqual({ ends: [0, 0], inner: [6, 8] });
    // with dilation 2 (and stride 4) each extra position is two columns of padding
    expect(directEndPads([11], [2], [3], { strides: [4], pads: [0, 3], dilations: [2], group: 1 })).toEqual({ ends: [1], inner: [11] });
    // exact already: unchanged
    expect(directEndPads([6, 6], [3, 3], [6, 6], { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 })).toEqual({ ends: [1, 1], inner: [6, 6] });
    const e = new GraphEmitter(new Map([['x', [2, 3, 64, 64]], ['dy', [2, 4, 32, 32]]]), 'test');
    const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 });
    convWeightGradEmit(ctx, 'x', [2, 3, 64, 64], 'dy', [2, 4, 32, 32], [4, 3, 7, 7], { strides: [2, 2], pads: [3, 3, 3, 3], dilations: [1, 1], group: 1 }, 'direct');
    const conv = e.nodes.find((n) => n.op_type === 'Conv')!;
    expect(conv.attribute.find((t) => t.name === 'pads')!.ints.map(Number)).toEqual([3, 3, 2, 2]);
    expect(e.nodes.map((n) => n.op_type)).not.toContain('Slice');
  });

  it('the weight-gradient forms share δ folded once, and agree with a tree of Concats of at most 2 or 3 inputs', async () => {
    const g = GEOS[0]!;
    const yDims = outDims(g);
    const x = { dims: g.x, data: values(sizeOf(g.x), 1) };
    const dy = { dims: yDims, data: values(sizeOf(yDims), 3) };
    const want = convNdWeightGrad(x, dy, g.w, g.a).data;
    for (const k of [2, 3]) {
      for (const form of ['gemm', 'taps'] as WeightGradForm[]) {
        expectClose(await runEmitted({ x, dy }, 17, (ctx) => convWeightGradEmit(ctx, 'x', g.x, 'dy', yDims, g.w, g.a, form), k), want);
      }
    }
  });

  it('the shift form of ∂X with a Sum tree and per-tap Slices (at most 3 operands)', async () => {
    for (const g of [GEOS[1]!, GEOS[2]!]) {
      const yDims = outDims(g);
      const w = { dims: g.w, data: values(sizeOf(g.w), 2) };
      const dy = { dims: yDims, data: values(sizeOf(yDims), 3) };
      expectClose(await runEmitted({ dy, w }, 13, (ctx) => convInputGradEmit(ctx, 'dy', 'w', g.w, g.x, g.a, 'shift'), 3), convNdInputGrad(dy, w, g.x, g.a).data);
    }
  });

  it('a Concat tree keeps the parts in order', async () => {
    const parts = Array.from({ length: 11 }, (_, i) => ({ dims: [2, i + 1], data: values(2 * (i + 1), i) }));
    const inputs = Object.fromEntries(parts.map((p, i) => [`p${i}`, p]));
    const want = new Float32Array(2 * 66);
    let col = 0;
    for (const p of parts) {
      const n = p.dims[1]!;
      for (let r = 0; r < 2; r++) want.set(p.data.subarray(r * n, (r + 1) * n), r * 66 + col);
      col += n;
    }
    for (const k of [2, 3, 6, Infinity]) {
      const got = await runEmitted(inputs, 13, (ctx) => concatTreeEmit(ctx, parts.map((_, i) => `p${i}`), parts.map((p) => p.dims), 1), k);
      expect([...got]).toEqual([...want]);
    }
  });
});
