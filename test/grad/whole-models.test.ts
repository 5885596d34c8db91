/**
 * Gradients of whole models against central differences through ONNX
 * Runtime's forward pass, on both backward paths (the TypeScript rules and the
 * compiled ONNX graph).
 *
 * test/fixtures/onnx/torch-resnetish.onnx was exported by PyTorch 1.13 (Debian's
 * python3-torch) with this script (BatchNorm is folded into the convolutions
 * by the exporter in eval mode):
 *
 *   import torch, torch.nn as nn
 *   torch.manual_seed(0)
 *   class Block(nn.Module):
 *       def __init__(s, c):
 *           super().__init__()
 *           s.c1 = nn.Conv2d(c, c, 3, padding=1, bias=False); s.b1 = nn.BatchNorm2d(c)
 *           s.c2 = nn.Conv2d(c, c, 3, padding=1, bias=False); s.b2 = nn.BatchNorm2d(c)
 *       def forward(s, x):
 *           y = torch.relu(s.b1(s.c1(x)))
 *           return torch.relu(s.b2(s.c2(y)) + x)
 *   class Net(nn.Module):
 *       def __init__(s):
 *           super().__init__()
 *           s.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True))
 *           s.block = Block(8)
 *           s.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
 *       def forward(s, x):
 *           return s.head(s.block(s.stem(x)))
 *   net = Net()
 *   for m in net.modules():
 *       if isinstance(m, nn.BatchNorm2d):
 *           m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.8, 1.2)
 *           m.weight.data.uniform_(0.8, 1.2); m.bias.data.uniform_(0.5, 1.0)
 *   net.eval()
 *   torch.onnx.export(net, torch.randn(2, 3, 12, 10), 'test/fixtures/onnx/torch-resnetish.onnx', opset_version=13,
 *                     input_names=['image'], output_names=['logits'], dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}},
 *                     do_constant_folding=False, training=torch.onnx.TrainingMode.EVAL)
 */
import { describe, expect, it } from 'vitest';
import { GradientEngine } from '../../src/grad/engine.js';
import { gradcheck } from '../../src/grad/gradcheck.js';
import type { LossName } from '../../src/grad/losses.js';
import { nodeBackend } from '../../src/node/backend.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { OnnxModel } from '../../src/model.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import type { HostTensor } from '../../src/runtime/host-tensor.js';
import { Rng } from '../../src/train/rng.js';

function input(dims: number[], seed: number): HostTensor {
  const rng = new Rng(seed);
  return { dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.next()) };
}

/**
 * Conv → BatchNorm → Relu → MaxPool → (Conv → Relu) + skip → GlobalAveragePool → Flatten → Gemm.
 * Biases are offset so few ReLU inputs sit near their kink, where central
 * differences are meaningless.
 */
function residualNet(): OnnxModel {
  const rng = new Rng(21);
  const r = (n: number, s = 0.4) => Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
  const g = graph('residual', [
    node('Conv', ['x', 'c1.w', 'c1.b'], ['c1'], { pads: [1, 1, 1, 1] }, { name: 'c1' }),
    node('BatchNormalization', ['c1', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], ['bn'], { epsilon: 1e-3 }, { name: 'bn' }),
    node('Relu', ['bn'], ['r1'], {}, { name: 'r1' }),
    node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] }, { name: 'pool' }),
    node('Conv', ['p1', 'c2.w', 'c2.b'], ['c2'], { pads: [1, 1, 1, 1] }, { name: 'c2' }),
    node('Relu', ['c2'], ['r2'], {}, { name: 'r2' }),
    node('Add', ['r2', 'p1'], ['res'], {}, { name: 'skip' }),
    node('GlobalAveragePool', ['res'], ['gap'], {}, { name: 'gap' }),
    node('Flatten', ['gap'], ['flat'], {}, { name: 'flat' }),
    node('Gemm', ['flat', 'fc.w', 'fc.b'], ['logits'], { transB: 1 }, { name: 'fc' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 2, 9, 8])], [valueInfo('logits', DataType.FLOAT, ['N', 4])], [
    floatTensor('c1.w', [4, 2, 3, 3], r(72)), floatTensor('c1.b', [4], r(4, 0.1)),
    floatTensor('bn.scale', [4], r(4, 0.3).map((v) => 1 + v)), floatTensor('bn.bias', [4], r(4, 0.1).map((v) => v + 1.5)),
    floatTensor('bn.mean', [4], r(4, 0.1)), floatTensor('bn.var', [4], r(4, 0.2).map((v) => 1 + Math.abs(v))),
    floatTensor('c2.w', [4, 4, 3, 3], r(144)), floatTensor('c2.b', [4], r(4, 0.1).map((v) => v + 1)),
    floatTensor('fc.w', [4, 4], r(16)), floatTensor('fc.b', [4], r(4, 0.1)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 17)] }), 'residual.onnx');
}

async function check(m: OnnxModel, feeds: Record<string, HostTensor>, loss: LossName, target: HostTensor, backward: 'typescript' | 'compiled', samples = 6, eps?: number[]) {
  const engine = await GradientEngine.create(m, nodeBackend, { loss, backward });
  try {
    const report = await gradcheck(engine, feeds, target, { samples, tolerance: 1e-2, ...(eps ? { eps } : {}) });
    const summary = report.params.map((p) => `${p.name} ${p.maxError.toExponential(1)} (#${p.worst.index}: ${p.worst.analytic} vs ${p.worst.numeric})`).join(', ');
    expect(report.params.length).toBeGreaterThan(0);
    expect(report.ok, summary).toBe(true);
    return engine.params.map((p) => p.name);
  } finally {
    await engine.dispose();
  }
}

const labels = (n: number, k: number): HostTensor => ({ dims: [n], data: BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7) % k)) });

describe.each(['typescript', 'compiled'] as const)('whole-model gradients (%s backward)', (backward) => {
  it('models/lenet5.onnx', async () => {
    const m = await loadModelFile('models/lenet5.onnx');
    const params = await check(m, { input: input([2, 1, 28, 28], 1) }, 'cross-entropy', labels(2, 10), backward, 4);
    expect(params).toHaveLength(14);
  });

  it('models/cnn-6c2s12c2s.onnx with the paper\'s mse', async () => {
    const m = await loadModelFile('models/cnn-6c2s12c2s.onnx');
    const t = input([3, 10], 2);
    await check(m, { input: input([3, 1, 28, 28], 3) }, 'mse', t, backward);
  });

  it('a ReLU / MaxPool / BatchNorm / residual network (running statistics not trained)', async () => {
    // Several step sizes: a step that crosses a ReLU kink or a MaxPool switch says nothing.
    const params = await check(residualNet(), { x: input([3, 2, 9, 8], 4) }, 'cross-entropy', labels(3, 4), backward, 8, [1e-2, 3e-3, 1e-3]);
    expect(params).not.toContain('bn.mean');
    expect(params).not.toContain('bn.var');
    expect(params).toContain('bn.scale');
  });

  it('a model exported by PyTorch 1.13 (test/fixtures/onnx/torch-resnetish.onnx)', async () => {
    const m = await loadModelFile('test/fixtures/onnx/torch-resnetish.onnx');
    const name = m.inputs[0]!.name;
    const dims = m.inputs[0]!.dims!.map((d) => (typeof d === 'number' && d > 0 ? d : 2));
    await check(m, { [name]: input(dims, 5) }, 'cross-entropy', labels(dims[0]!, 5), backward, 6, [1e-2, 3e-3, 1e-3]);
  });
});
