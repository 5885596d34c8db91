/**
 * gradcheck on networks with ReLU and MaxPool kinks: correct gradients pass
 * with the coordinates whose steps cross a switch skipped and counted; wrong
 * gradients (a rule's result scaled) still fail; smooth curvature is not
 * taken for a kink; a parameter sitting exactly on a MaxPool tie is reported
 * unchecked.
 */
import { describe, expect, it } from 'vitest';
import { GradientEngine } from '../../src/grad/engine.js';
import { gradcheck, type GradcheckReport } from '../../src/grad/gradcheck.js';
import type { LossName } from '../../src/grad/losses.js';
import type { GradRule } from '../../src/grad/rule.js';
import { rules } from '../../src/grad/rules/index.js';
import { npyToHost } from '../../src/cli/common.js';
import { readNpy } from '../../src/io/npy.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import type { HostTensor } from '../../src/runtime/host-tensor.js';
import { randomFloats, seeded } from '../helpers/random.js';

/** The CLI's default tolerance. */
const TOLERANCE = 0.05;

/** A rule registry in which `op`'s gradient for `input` (every input if undefined) is multiplied by `factor`. */
function scaledRule(op: string, input: number | undefined, factor: number): Record<string, GradRule> {
  const base = rules[op]!;
  const vjp: GradRule['vjp'] = (ctx) => base.vjp(ctx).map((t, k) => (t && (input === undefined || k === input) ? { dims: t.dims, data: t.data.map((v) => v * factor) } : t));
  return { ...rules, [op]: { ...base, vjp } };
}

async function check(
  m: OnnxModel, feeds: Record<string, HostTensor>, target: HostTensor, loss: LossName,
  opts: { rules?: Record<string, GradRule>; samples?: number; trainable?: string[] } = {},
): Promise<GradcheckReport> {
  const engine = await GradientEngine.create(m, nodeBackend, { loss, ...(opts.rules ? { rules: opts.rules } : {}), ...(opts.trainable ? { trainable: opts.trainable } : {}) });
  try {
    return await gradcheck(engine, feeds, target, { samples: opts.samples ?? 12, tolerance: TOLERANCE });
  } finally {
    await engine.dispose();
  }
}

function summary(r: GradcheckReport): string {
  return r.params.map((p) => `${p.name} ${p.maxError.toExponential(1)} (${p.checked}+${p.skipped} skipped; #${p.worst.index}: ${p.worst.analytic} vs ${p.worst.numeric})`).join(', ');
}

const failing = (r: GradcheckReport) => r.params.filter((p) => p.maxError > r.tolerance).map((p) => p.name).sort();

/**
 * torchvision's resnet18 at reduced width, exported by PyTorch 1.13 with
 * BatchNorm kept (test/fixtures/torch/, see test/models/torchvision.test.ts),
 * on its fixed batch: 62 parameters behind 17 ReLUs and a MaxPool. Central
 * differences at a fixed step of 1e-2 crossed switches on about half of them
 * (errors up to 2 on correct gradients).
 */
async function resnet18(): Promise<{ m: OnnxModel; feeds: Record<string, HostTensor>; labels: HostTensor }> {
  const m = await loadModelFile('test/fixtures/torch/resnet18-opset13.onnx');
  const x = npyToHost(await readNpy('test/fixtures/torch/resnet18.x.npy'));
  const labels = npyToHost(await readNpy('test/fixtures/torch/resnet18.labels.npy'));
  return { m, feeds: { [m.inputs[0]!.name]: x }, labels };
}

/**
 * X [2,1,5,5] → Conv (4 maps, 3×3) → Relu → MaxPool (2×2, stride 1) →
 * Flatten → Gemm → logits [2,3], with each map's bias set so that its largest
 * pre-activation on the first image, the one every pooling window around it
 * passes on, lies 5e-4…1e-3 from the ReLU's switch (the rest of that image's
 * map is switched off: its pooling windows are ties at 0). A step of 1e-2
 * crosses all four switches; the default steps cross them on many weights too.
 */
function kinkyCnn(): OnnxModel {
  const rng = seeded(41);
  const x = kinkyInput();
  const w = randomFloats(rng, 36, -0.6, 0.6);
  const offsets = [5e-4, -7e-4, 1e-3, -6e-4];
  const bias = offsets.map((d, c) => {
    let top = -Infinity;
    for (let oy = 0; oy < 3; oy++) {
      for (let ox = 0; ox < 3; ox++) {
        let z = 0;
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) z += w[c * 9 + ky * 3 + kx]! * x.data[(oy + ky) * 5 + ox + kx]!;
        top = Math.max(top, z);
      }
    }
    return d - top;
  });
  const g = graph('kinky', [
    node('Conv', ['x', 'c.w', 'c.b'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }),
    node('Relu', ['c'], ['r'], {}, { name: 'relu' }),
    node('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2], strides: [1, 1] }, { name: 'pool' }),
    node('Flatten', ['p'], ['flat'], {}, { name: 'flat' }),
    node('Gemm', ['flat', 'fc.w', 'fc.b'], ['logits'], { transB: 1 }, { name: 'fc' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 5, 5])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('c.w', [4, 1, 3, 3], w), floatTensor('c.b', [4], bias),
    floatTensor('fc.w', [3, 16], randomFloats(rng, 48, -1, 1)), floatTensor('fc.b', [3], randomFloats(rng, 3, -0.1, 0.1)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 17)] }), 'kinky.onnx');
}

function kinkyInput(): HostTensor & { data: Float32Array } {
  return { dims: [2, 1, 5, 5], data: randomFloats(seeded(42), 50, -1, 1) };
}

const kinkyFeeds = (): Record<string, HostTensor> => ({ x: kinkyInput() });
const kinkyLabels: HostTensor = { dims: [2], data: BigInt64Array.from([0n, 2n]) };

describe('gradcheck across ReLU and MaxPool kinks', () => {
  it('a torchvision resnet18 exported by PyTorch: correct gradients pass, coordinates at switches skipped', async () => {
    const { m, feeds, labels } = await resnet18();
    const r = await check(m, feeds, labels, 'cross-entropy');
    expect(r.params).toHaveLength(62);
    expect(r.ok, summary(r)).toBe(true);
    expect(r.skipped).toBeGreaterThan(0);
    expect(r.skipped).toBe(r.params.reduce((s, p) => s + p.skipped, 0));
    expect(r.unchecked).toEqual([]);
    for (const p of r.params) expect(p.checked, p.name).toBeGreaterThan(0);
  });

  it('a small ReLU / MaxPool CNN with many pre-activations near 0 passes, with a nonzero skipped count', async () => {
    const r = await check(kinkyCnn(), kinkyFeeds(), kinkyLabels, 'cross-entropy', { samples: 16 });
    expect(r.params.map((p) => p.name)).toEqual(['c.w', 'c.b', 'fc.w', 'fc.b']);
    expect(r.ok, summary(r)).toBe(true);
    expect(r.skipped, summary(r)).toBeGreaterThan(0);
    for (const p of r.params) expect(p.checked, p.name).toBeGreaterThan(0);
  });

  it('the step follows each parameter: within 1e-4…5e-3 of its RMS', async () => {
    const { m, feeds, labels } = await resnet18();
    const r = await check(m, feeds, labels, 'cross-entropy', { samples: 1 });
    for (const p of r.params) {
      const w = m.readFloat(p.name);
      const rms = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length) || 1;
      // Retries at a quarter and a sixteenth of the step where every coordinate was at a kink.
      expect(p.step / rms, p.name).toBeGreaterThanOrEqual(1e-4 / 16 * 0.999);
      expect(p.step / rms, p.name).toBeLessThanOrEqual(5e-3 * 1.001);
      expect(p.noise, p.name).toBeGreaterThan(0);
      expect(p.floor, p.name).toBeGreaterThanOrEqual(400 * p.noise / p.step * 0.999);
    }
  });
});

describe('gradcheck still fails on wrong gradients', () => {
  it('resnet18 with the Conv weight gradient negated: exactly the convolution weights fail', async () => {
    const { m, feeds, labels } = await resnet18();
    const r = await check(m, feeds, labels, 'cross-entropy', { rules: scaledRule('Conv', 1, -1) });
    const convWeights = m.proto.graph!.node.filter((n) => n.op_type === 'Conv').map((n) => n.input[1]!).sort();
    expect(convWeights).toHaveLength(20);
    expect(r.ok).toBe(false);
    expect(failing(r)).toEqual(convWeights);
  });

  it('resnet18 with the BatchNormalization scale gradient ×1.5: not ok', async () => {
    const { m, feeds, labels } = await resnet18();
    const r = await check(m, feeds, labels, 'cross-entropy', { rules: scaledRule('BatchNormalization', 1, 1.5) });
    expect(r.ok).toBe(false);
    expect(failing(r).length).toBeGreaterThan(10);
    for (const name of failing(r)) expect(name).toMatch(/(bn\d|downsample\.1)\.weight$/);
  });

  it('the kinky CNN with the Relu gradient ×1.5: the convolution fails, the head passes', async () => {
    const r = await check(kinkyCnn(), kinkyFeeds(), kinkyLabels, 'cross-entropy', { rules: scaledRule('Relu', undefined, 1.5), samples: 16 });
    expect(r.ok).toBe(false);
    expect(failing(r)).toEqual(['c.b', 'c.w']);
  });

  it('the kinky CNN with the MaxPool gradient ×−1: the convolution fails', async () => {
    const r = await check(kinkyCnn(), kinkyFeeds(), kinkyLabels, 'cross-entropy', { rules: scaledRule('MaxPool', undefined, -1), samples: 16 });
    expect(r.ok).toBe(false);
    expect(failing(r)).toEqual(['c.b', 'c.w']);
  });
});

describe('what is and is not a kink', () => {
  it('curvature is not a kink: ½(Σa − t)² near its minimum, where the one-sided quotients differ by h·L″ > L′', async () => {
    const a = randomFloats(seeded(5), 24, -1, 1);
    const sum = a.reduce((s, v) => s + v, 0);
    const g = graph('sum', [node('ReduceSum', ['a'], ['y'], { keepdims: 0 }, { name: 'sum' })], [], [valueInfo('y', DataType.FLOAT, [])], [floatTensor('a', [24], a)]);
    const m = new OnnxModel(model(g, { opsets: [opset('', 11)] }), 'sum.onnx');
    const r = await check(m, {}, { dims: [], data: Float32Array.of(sum - 1e-4) }, 'mse', { samples: 24, trainable: ['a'] });
    expect(r.ok, summary(r)).toBe(true);
    expect(r.params[0]!.checked).toBe(24);
    expect(r.skipped).toBe(0);
  });

  it('a parameter on an exact MaxPool tie is reported unchecked, the rest checked', async () => {
    const g = graph('tie', [
      node('MaxPool', ['a'], ['p'], { kernel_shape: [1, 2] }, { name: 'pool' }),
      node('Mul', ['p', 'w'], ['y'], {}, { name: 'scale' }),
    ], [], [valueInfo('y', DataType.FLOAT, [1, 1, 1, 1])], [floatTensor('a', [1, 1, 1, 2], [0.5, 0.5]), floatTensor('w', [1], [0.8])]);
    const m = new OnnxModel(model(g, { opsets: [opset('', 17)] }), 'tie.onnx');
    const r = await check(m, {}, { dims: [1, 1, 1, 1], data: Float32Array.of(-1) }, 'mse', { trainable: ['a', 'w'] });
    const [a, w] = r.params;
    expect(a!.name).toBe('a');
    expect(a!.checked).toBe(0);
    // both coordinates, at the step and again at a quarter and a sixteenth of it
    expect(a!.skipped).toBe(6);
    expect(r.unchecked).toEqual(['a']);
    expect(w!.checked).toBe(1);
    expect(w!.skipped).toBe(0);
  });
});
