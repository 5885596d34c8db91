/**
 * The shared image → label logic: the plan read from a model (stored
 * preprocessing and labels, or the defaults of a model without them), the
 * pixel pipeline (the same bilinear resize as decodeImage, centre crop,
 * channel order, normalisation, layout) and reading the output.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  batchOf, classifierPlan, cropCentre, grayInputs, imageTensor, interpretOutput, normalisePlanes, outputKind, resizePlanes, resizeTarget, rgbaToPlanes,
} from '../src/classify.js';
import { InputError } from '../src/errors.js';
import { resizeBilinear } from '../src/io/images.js';
import { normalisePreprocess, writeLabels, writePreprocess, type Preprocess, type PreprocessInput } from '../src/model-metadata.js';
import { OnnxModel } from '../src/model.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../src/onnx/builder.js';
import { DataType } from '../src/onnx/dtypes.js';

const LENET5 = new URL('../models/lenet5.onnx', import.meta.url);
const MOBILENET = new URL('./fixtures/torch/mobilenet_v2-opset11.onnx', import.meta.url);
const lenet = () => OnnxModel.fromBytes(readFileSync(LENET5), 'lenet5.onnx');
const wave = (n: number, s = 1, p = 0.3) => Float32Array.from({ length: n }, (_, i) => Math.sin(1.37 * i + p) * s);

/** x [N,4] → Gemm → z → tail ops → y */
function tiny(tail: [string, Record<string, number>][], input: (number | string)[] = ['N', 4]): OnnxModel {
  const nodes = [node('Gemm', ['x', 'W', 'b'], ['z0'], { transB: 1 }, { name: 'fc' })];
  tail.forEach(([op, attrs], i) => nodes.push(node(op, [`z${i}`], [i === tail.length - 1 ? 'y' : `z${i + 1}`], attrs, { name: `t${i}` })));
  if (tail.length === 0) nodes[0]!.output = ['y'];
  const g = graph('tiny', nodes, [valueInfo('x', DataType.FLOAT, input)], [valueInfo('y', DataType.FLOAT, ['N', 3])],
    [floatTensor('W', [3, 4], wave(12)), floatTensor('b', [3], wave(3))]);
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'tiny.onnx');
}

const pre = (p: PreprocessInput): Preprocess => normalisePreprocess(p);

describe('classifierPlan', () => {
  it('a model without metadata: its [N,C,H,W] input, luma or RGB by C, pixel/255, labels = indices', () => {
    const plan = classifierPlan(lenet());
    expect(plan).toEqual({
      input: 'input', dims: [1, 1, 28, 28], stored: false, output: 'logits', outputKind: 'logits',
      preprocess: { size: [28, 28], layout: 'NCHW', channels: 'gray', scale: 1 / 255, mean: [0], std: [1], resize: 'stretch' },
    });
    const fixedBatch = classifierPlan(OnnxModel.fromBytes(readFileSync(MOBILENET), 'mobilenet.onnx'));
    expect(fixedBatch.dims).toEqual([2, 3, 32, 32]);
    expect(fixedBatch.preprocess.channels).toBe('RGB');
  });

  it('stored preprocessing and labels are used, and must fit the input', () => {
    const m = lenet();
    writePreprocess(m, { size: [28, 28], channels: 'gray', mean: 0.1307, std: 0.3081 });
    writeLabels(m, ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);
    const plan = classifierPlan(m);
    expect(plan.stored).toBe(true);
    expect(plan.preprocess.mean).toEqual([0.1307]);
    expect(plan.labels![7]).toBe('seven');
    writePreprocess(m, { size: [32, 32], channels: 'gray' });
    expect(() => classifierPlan(m)).toThrow("lenet5.onnx: metadata 'edgetune.preprocess' makes NCHW input [N,1,32,32] but input 'input' is [N,1,28,28]");
    writePreprocess(m, { size: [28, 28], channels: 'gray', layout: 'NHWC' });
    expect(() => classifierPlan(m)).toThrow(/makes NHWC input \[N,28,28,1\]/);
  });

  it('an input that is not an image, without stored preprocessing, is an InputError naming the key', () => {
    expect(() => classifierPlan(tiny([]))).toThrow(InputError);
    expect(() => classifierPlan(tiny([]))).toThrow(/input 'x' \[N,4\] is not \[N,C,H,W\].*'edgetune\.preprocess'/);
  });

  it('the output is probabilities after a Softmax (through Flatten/Reshape), log-probabilities after LogSoftmax, else logits', () => {
    expect(outputKind(tiny([]))).toBe('logits');
    expect(outputKind(tiny([['Softmax', { axis: 1 }]]))).toBe('probabilities');
    expect(outputKind(tiny([['Softmax', { axis: 1 }], ['Flatten', { axis: 1 }], ['Identity', {}]]))).toBe('probabilities');
    expect(outputKind(tiny([['LogSoftmax', { axis: 1 }]]))).toBe('log-probabilities');
    expect(outputKind(tiny([['Softmax', { axis: 1 }], ['Relu', {}]]))).toBe('logits');
  });
});

describe('pixels', () => {
  it('resizePlanes matches decodeImage\'s bilinear resize', () => {
    const src = wave(2 * 7 * 5, 100, 1).map((v) => v + 120);
    const ours = resizePlanes(src, 2, 7, 5, 4, 9);
    for (let c = 0; c < 2; c++) {
      const ref = resizeBilinear(Float64Array.from(src.subarray(c * 35, (c + 1) * 35)), 7, 5, 4, 9);
      ref.forEach((v, i) => expect(ours[c * 36 + i]).toBeCloseTo(v, 3));
    }
    expect(resizePlanes(src, 2, 7, 5, 7, 5)).toBe(src);
  });

  it('rgbaToPlanes: RGB planes, or luma 0.299R + 0.587G + 0.114B; alpha ignored', () => {
    const rgba = Uint8Array.of(10, 20, 30, 255, 200, 100, 0, 7);
    expect(Array.from(rgbaToPlanes(rgba, 2, 1, 3))).toEqual([10, 200, 20, 100, 30, 0]);
    const y = rgbaToPlanes(rgba, 2, 1, 1);
    expect(y[0]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 4);
    expect(y[1]).toBeCloseTo(0.299 * 200 + 0.587 * 100, 4);
    expect(() => rgbaToPlanes(rgba, 3, 1, 3)).toThrow(InputError);
  });

  it('centre crop: the covering size keeps the aspect ratio, the crop keeps the middle', () => {
    expect(resizeTarget(100, 200, pre({ size: [10, 10], channels: 'RGB', resize: 'center-crop' }))).toEqual([10, 20]);
    expect(resizeTarget(300, 100, pre({ size: [10, 20], channels: 'RGB', resize: 'center-crop' }))).toEqual([60, 20]);
    expect(resizeTarget(300, 100, pre({ size: [10, 20], channels: 'RGB' }))).toEqual([10, 20]);
    const src = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    expect(Array.from(cropCentre(src, 2, 3, 4, 1, 2))).toEqual([5, 6, 17, 18]);
  });

  it('normalisePlanes: BGR order, per-channel (v·scale − mean)/std, NHWC layout, gray ↔ RGB', () => {
    const rgb = Float32Array.of(10, 20, 110, 120, 210, 220); // R, G, B planes of 1×2 pixels
    const p = pre({ size: [1, 2], channels: 'BGR', layout: 'NHWC', scale: 1, mean: [200, 100, 0], std: [10, 5, 2] });
    // pixel 0: B=210, G=110, R=10
    expect(Array.from(normalisePlanes(rgb, 3, p))).toEqual([(210 - 200) / 10, (110 - 100) / 5, 10 / 2, (220 - 200) / 10, (120 - 100) / 5, 20 / 2]);
    const asRgb = pre({ size: [1, 2], channels: 'RGB', scale: 0.5 });
    expect(Array.from(normalisePlanes(Float32Array.of(2, 4), 1, asRgb))).toEqual([1, 2, 1, 2, 1, 2]);
    const asGray = normalisePlanes(rgb, 3, pre({ size: [1, 2], channels: 'gray', scale: 1 }));
    expect(asGray[0]).toBeCloseTo(0.299 * 10 + 0.587 * 110 + 0.114 * 210, 4);
    expect(() => normalisePlanes(rgb, 3, pre({ size: [2, 2], channels: 'RGB' }))).toThrow(InputError);
  });

  it('imageTensor resizes, crops and normalises in one go', () => {
    const planes = Float32Array.from({ length: 4 * 8 }, (_, i) => i);
    const p = pre({ size: [2, 2], channels: 'gray', scale: 1, resize: 'center-crop' });
    const resized = resizePlanes(planes, 1, 4, 8, 2, 4);
    expect(Array.from(imageTensor(planes, 1, 4, 8, p))).toEqual([resized[1], resized[2], resized[5], resized[6]]);
  });

  it('grayInputs: samples in [0, 1] as 255·v pixels through the preprocessing, one after another', () => {
    const x = Float32Array.of(0, 0.5, 1, 0.25, 1, 0, 0.5, 0.5);
    const p = pre({ size: [2, 2], channels: 'gray', mean: 0.5, std: 0.25 });
    expect(Array.from(grayInputs(x, 2, 2, 2, p))).toEqual(Array.from(x, (v) => expect.closeTo((v - 0.5) / 0.25, 5)));
    expect(grayInputs(x, 2, 2, 2, pre({ size: [1, 1], channels: 'RGB' }))).toHaveLength(6);
    expect(() => grayInputs(x, 3, 2, 2, p)).toThrow(InputError);
  });

  it('batchOf repeats the image to a fixed batch', () => {
    const x = Float32Array.of(1, 2);
    expect(batchOf(x, { dims: [1, 2] } as never)).toBe(x);
    expect(Array.from(batchOf(x, { dims: [3, 2] } as never))).toEqual([1, 2, 1, 2, 1, 2]);
  });
});

describe('interpretOutput', () => {
  const plan = (over: object = {}) => ({ ...classifierPlan(lenet()), ...over });

  it('logits: softmax of batch row 0, the index as label without labels', () => {
    const r = interpretOutput('m', plan(), Float32Array.of(1, 3, 2, 9, 9, 9), [2, 3]);
    const e = [Math.exp(1), Math.exp(3), Math.exp(2)];
    const s = e[0]! + e[1]! + e[2]!;
    expect(r.index).toBe(1);
    expect(r.label).toBe(1);
    expect(r.probability).toBeCloseTo(e[1]! / s, 6);
    expect(Array.from(r.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('probabilities pass through, log-probabilities are exponentiated; labels name the index', () => {
    expect(interpretOutput('m', plan({ outputKind: 'probabilities', labels: ['a', 'b'] }), Float32Array.of(0.25, 0.75), [1, 2]))
      .toEqual({ label: 'b', index: 1, probability: 0.75, probabilities: Float32Array.of(0.25, 0.75) });
    const r = interpretOutput('m', plan({ outputKind: 'log-probabilities' }), Float32Array.of(Math.log(0.6), Math.log(0.4)), [1, 2]);
    expect(r.index).toBe(0);
    expect(r.probability).toBeCloseTo(0.6, 6);
  });

  it('labels of another count than the output are an InputError naming the key', () => {
    expect(() => interpretOutput('m.onnx', plan({ labels: ['a', 'b', 'c'] }), Float32Array.of(1, 2), [1, 2]))
      .toThrow("m.onnx: metadata 'edgetune.labels' names 3 classes but output 'logits' has 2");
  });
});
