/**
 * The convolution gradient forms of src/compile/emit-conv.ts and emit-conv-input.ts side by side,
 * one layer shape at a time: each form's ∂X and ∂W graph built by the
 * emitters themselves, run by ONNX Runtime in alternating rounds, median
 * milliseconds per run and the largest difference from the 'direct' form.
 * The shapes are ResNet-18's (64×64 input, batch 32), two of MobileNetV2's
 * depthwise layers (64×64 input, batch 32) and LeNet-5's (batch 64). The
 * 'nchwc' forms (emit-nchwc.ts: ONNX Runtime's NCHWc kernels, reorders and
 * kernel layout included) are timed where a layer's channels fit the
 * runtime's block; 'rows' is the by-rows depthwise weight gradient.
 *
 *   node dist-bench/bench/profile-conv-grads.js [--threads 1] [--rounds 15] [--opset 18] [--only layer4] [--which fwd|dx|dw|fwd+dw]
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { convForwardGemmEmit, convWeightGradEmit, type WeightGradForm } from '../src/compile/emit-conv.js';
import { convInputGradEmit, type InputGradForm } from '../src/compile/emit-conv-input.js';
import { GraphEmitter, type EmitContext } from '../src/compile/emit.js';
import { depthwiseWeightGradByRowsEmit } from '../src/compile/emit-depthwise.js';
import {
  nchwcDenseForwardEmit, nchwcDenseInputGradEmit, nchwcDepthwiseForwardEmit, nchwcDepthwiseInputGradEmit, nchwcDepthwiseWeightGradEmit,
} from '../src/compile/emit-nchwc.js';
import { nodeBackend } from '../src/node/backend.js';
import { nchwcBlockSize } from '../src/runtime/nchwc-block.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../src/onnx/builder.js';
import { DataType } from '../src/onnx/dtypes.js';
import { encodeModel } from '../src/onnx/model-io.js';
import type { ConvAttrs } from '../src/tensor/conv.js';
import type { NodeView } from '../src/graph/graph.js';

interface Layer {
  name: string;
  x: number[];
  w: number[];
  stride: number;
  pad: number;
  /** groups (default 1; the input's channel count for a depthwise layer) */
  group?: number;
}

/** The NCHWc block of this machine's onnxruntime-node (undefined: no 'nchwc' forms). */
const nchwcBlock = await nchwcBlockSize(nodeBackend, 'cpu');

export const LAYERS: Layer[] = [
  { name: 'resnet.conv1', x: [32, 3, 64, 64], w: [64, 3, 7, 7], stride: 2, pad: 3 },
  { name: 'resnet.layer1', x: [32, 64, 16, 16], w: [64, 64, 3, 3], stride: 1, pad: 1 },
  { name: 'resnet.layer2.0.conv1', x: [32, 64, 16, 16], w: [128, 64, 3, 3], stride: 2, pad: 1 },
  { name: 'resnet.layer2.0.down', x: [32, 64, 16, 16], w: [128, 64, 1, 1], stride: 2, pad: 0 },
  { name: 'resnet.layer2', x: [32, 128, 8, 8], w: [128, 128, 3, 3], stride: 1, pad: 1 },
  { name: 'resnet.layer3.0.conv1', x: [32, 128, 8, 8], w: [256, 128, 3, 3], stride: 2, pad: 1 },
  { name: 'resnet.layer3', x: [32, 256, 4, 4], w: [256, 256, 3, 3], stride: 1, pad: 1 },
  { name: 'resnet.layer4.0.conv1', x: [32, 256, 4, 4], w: [512, 256, 3, 3], stride: 2, pad: 1 },
  { name: 'resnet.layer4', x: [32, 512, 2, 2], w: [512, 512, 3, 3], stride: 1, pad: 1 },
  { name: 'mobilenetv2.features.2.dw', x: [32, 96, 32, 32], w: [96, 1, 3, 3], stride: 2, pad: 1, group: 96 },
  { name: 'mobilenetv2.features.3.dw', x: [32, 144, 16, 16], w: [144, 1, 3, 3], stride: 1, pad: 1, group: 144 },
  { name: 'lenet.C1.b64', x: [64, 1, 32, 32], w: [6, 1, 5, 5], stride: 1, pad: 0 },
  { name: 'lenet.C3.b64', x: [64, 6, 14, 14], w: [16, 6, 5, 5], stride: 1, pad: 0 },
  { name: 'lenet.C5.b64', x: [64, 16, 5, 5], w: [120, 16, 5, 5], stride: 1, pad: 0 },
  { name: 'lenet.C3.b8', x: [8, 6, 14, 14], w: [16, 6, 5, 5], stride: 1, pad: 0 },
  { name: 'lenet.C3.b256', x: [256, 6, 14, 14], w: [16, 6, 5, 5], stride: 1, pad: 0 },
];

function attrsOf(l: Layer): ConvAttrs {
  return { strides: [l.stride, l.stride], pads: [l.pad, l.pad, l.pad, l.pad], dilations: [1, 1], group: l.group ?? 1 };
}

/** The graph of what `emit` builds from the named inputs, its result as output 'out' (NCHWc forms: the runtime's block, the domain imported). */
function emittedModel(name: string, inputs: [string, number[]][], opsetVersion: number, emit: (ctx: EmitContext) => string): Uint8Array {
  const e = new GraphEmitter(new Map<string, readonly number[]>(inputs), 'bench', nchwcBlock !== undefined ? { nchwcBlock } : {});
  const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
  e.nodes.push(node('Identity', [emit(ctx)], ['out']));
  const proto = model(graph(name, e.nodes, inputs.map(([n, d]) => valueInfo(n, DataType.FLOAT, d)), [valueInfo('out', DataType.FLOAT)], e.constants), { opsets: [opset('', opsetVersion)] });
  e.importDomains(proto);
  return encodeModel(proto);
}

/** Whether the 'nchwc' form of `which` applies to a layer here (emit-nchwc.ts's conditions). */
function nchwcApplies(l: Layer, which: string): boolean {
  if (nchwcBlock === undefined) return false;
  const [M, C] = [l.w[0]!, l.x[1]!];
  if ((l.group ?? 1) === C) return C % nchwcBlock === 0;
  if ((l.group ?? 1) !== 1 || M % nchwcBlock !== 0) return false;
  return which === 'fwd' ? C % nchwcBlock === 0 || C < nchwcBlock : which === 'dx' && l.stride === 1 && C % nchwcBlock === 0 && 2 * l.pad === l.w[2]! - 1;
}

/** The 'nchwc' form of one gradient or of the forward pass. */
function nchwcModel(l: Layer, which: 'fwd' | 'dx' | 'dw', opsetVersion: number): Uint8Array {
  const a = attrsOf(l);
  const y = outDims(l);
  const depthwise = a.group === l.x[1];
  if (which === 'fwd') {
    return emittedModel('fwd', [['x', l.x], ['w', l.w]], opsetVersion, (ctx) => (depthwise ? nchwcDepthwiseForwardEmit : nchwcDenseForwardEmit)(ctx, 'x', l.x, 'w', l.w, y, a));
  }
  if (which === 'dx') {
    return emittedModel('dx', [['dy', y], ['w', l.w]], opsetVersion, (ctx) => (depthwise ? nchwcDepthwiseInputGradEmit : nchwcDenseInputGradEmit)(ctx, 'dy', y, 'w', l.w, l.x, a)!);
  }
  return emittedModel('dw', [['x', l.x], ['dy', y]], opsetVersion, (ctx) => nchwcDepthwiseWeightGradEmit(ctx, 'x', l.x, 'dy', y, l.w, a)!);
}

function outDims(l: Layer): number[] {
  const o = (i: number) => Math.floor((l.x[i]! + 2 * l.pad - l.w[i]!) / l.stride) + 1;
  return [l.x[0]!, l.w[0]!, o(2), o(3)];
}

/** The forward convolution of one layer: Conv with W as a graph input ('input'), as an initializer ONNX Runtime can pre-pack ('init'), or as patches and one Gemm ('gemm'). */
function forwardModel(l: Layer, form: string, opsetVersion: number): Uint8Array {
  const yDims = outDims(l);
  const pads = [l.pad, l.pad, l.pad, l.pad];
  const wData = Array.from({ length: l.w.reduce((p, q) => p * q, 1) }, (_, i) => Math.sin(2 + i * 0.731));
  const inputs = [valueInfo('x', DataType.FLOAT, l.x)];
  let nodes = [node('Conv', ['x', 'w'], ['out'], { strides: [l.stride, l.stride], pads, group: l.group ?? 1 })];
  const inits = [];
  if (form === 'init') inits.push(floatTensor('w', l.w, wData));
  else inputs.push(valueInfo('w', DataType.FLOAT, l.w));
  if (form === 'gemm') {
    const e = new GraphEmitter(new Map<string, readonly number[]>([['x', l.x], ['w', l.w]]), 'bench');
    const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
    const a: ConvAttrs = { strides: [l.stride, l.stride], pads, dilations: [1, 1], group: 1 };
    e.nodes.push(node('Identity', [convForwardGemmEmit(ctx, 'x', l.x, 'w', l.w, yDims, a)], ['out']));
    nodes = e.nodes;
    inits.push(...e.constants);
  }
  return encodeModel(model(graph('fwd', nodes, inputs, [valueInfo('out', DataType.FLOAT)], inits), { opsets: [opset('', opsetVersion)] }));
}

/**
 * The forward Conv and the weight gradient together: 'separate' (ONNX Runtime's
 * Conv, then the weight gradient in `dwForm`), or 'shared' (patches and one
 * Gemm forward, the weight gradient's Gemm reading the same patches).
 */
function forwardAndWeightModel(l: Layer, form: string, dwForm: WeightGradForm, opsetVersion: number): Uint8Array {
  const yDims = outDims(l);
  const pads = [l.pad, l.pad, l.pad, l.pad];
  const a: ConvAttrs = { strides: [l.stride, l.stride], pads, dilations: [1, 1], group: 1 };
  const e = new GraphEmitter(new Map<string, readonly number[]>([['x', l.x], ['w', l.w], ['dy', yDims]]), 'bench');
  const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
  let y: string;
  if (form === 'shared') y = convForwardGemmEmit(ctx, 'x', l.x, 'w', l.w, yDims, a);
  else { y = 'y0'; e.nodes.push(node('Conv', ['x', 'w'], [y], { strides: [l.stride, l.stride], pads })); }
  const dw = convWeightGradEmit(ctx, 'x', l.x, 'dy', yDims, l.w, a, form === 'shared' ? 'gemm' : dwForm);
  e.nodes.push(node('Identity', [y], ['out']), node('Identity', [dw], ['dw']));
  const g = graph('fwdw', e.nodes, [valueInfo('x', DataType.FLOAT, l.x), valueInfo('w', DataType.FLOAT, l.w), valueInfo('dy', DataType.FLOAT, yDims)],
    [valueInfo('out', DataType.FLOAT), valueInfo('dw', DataType.FLOAT)], e.constants);
  return encodeModel(model(g, { opsets: [opset('', opsetVersion)] }));
}

/** One gradient of one layer in one form as a model with inputs x, w, dy. */
function gradModel(l: Layer, which: 'dx' | 'dw', form: string, opsetVersion: number): Uint8Array {
  const dyDims = outDims(l);
  const shapes = new Map<string, readonly number[]>([['x', l.x], ['w', l.w], ['dy', dyDims]]);
  const e = new GraphEmitter(shapes, 'bench');
  const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
  const a = attrsOf(l);
  const out = which === 'dx' ? convInputGradEmit(ctx, 'dy', 'w', l.w, l.x, a, form as InputGradForm)
    : form === 'rows' ? depthwiseWeightGradByRowsEmit(ctx, 'x', l.x, 'dy', dyDims, l.w, a)! : convWeightGradEmit(ctx, 'x', l.x, 'dy', dyDims, l.w, a, form as WeightGradForm);
  e.nodes.push(node('Identity', [out], ['out']));
  const inputs = which === 'dx' ? [valueInfo('dy', DataType.FLOAT, dyDims), valueInfo('w', DataType.FLOAT, l.w)] : [valueInfo('x', DataType.FLOAT, l.x), valueInfo('dy', DataType.FLOAT, dyDims)];
  const g = graph('bench', e.nodes, inputs, [valueInfo('out', DataType.FLOAT)], e.constants);
  return encodeModel(model(g, { opsets: [opset('', opsetVersion)] }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const filled = (dims: number[], seed: number) => {
  const n = dims.reduce((p, q) => p * q, 1);
  return new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.731)), dims);
};

async function main(argv: string[]): Promise<void> {
  const get = (n: string) => { const i = argv.indexOf(n); return i >= 0 ? argv[i + 1] : undefined; };
  const threads = Number(get('--threads') ?? 1), rounds = Number(get('--rounds') ?? 15), opsetVersion = Number(get('--opset') ?? 18);
  const only = get('--only');
  const argWhich = get('--which');
  for (const l of LAYERS.filter((x) => !only || x.name.includes(only))) {
    for (const which of (argWhich ? [argWhich] : ['fwd', 'dx', 'dw', 'fwd+dw']) as ('fwd' | 'dx' | 'dw' | 'fwd+dw')[]) {
      if (which === 'dx' && l.x[1] === 3) continue;
      const grouped = (l.group ?? 1) !== 1;
      if (grouped && which === 'fwd+dw') continue;
      const plain: string[] = grouped
        ? (which === 'fwd' ? ['input', 'init'] : which === 'dx' ? (l.stride === 1 ? ['direct', 'flip'] : ['direct']) : l.stride === 1 ? ['direct', 'rows'] : ['direct'])
        : which === 'fwd' ? ['input', 'init', 'gemm'] : which === 'dx' ? ['direct', 'matmul', 'gemm', 'patches', 'shift', 'gather', 'flip']
          : which === 'dw' ? ['direct', 'gemm', 'taps'] : ['separate-direct', 'separate-gemm', 'separate-taps', 'shared'];
      const forms = which !== 'fwd+dw' && nchwcApplies(l, which) ? [...plain, 'nchwc'] : plain;
      const w = filled(l.w, 2);
      const feeds: Record<string, ort.Tensor> = which === 'dx' ? { dy: filled(outDims(l), 1), w } : which === 'dw' ? { x: filled(l.x, 3), dy: filled(outDims(l), 1) }
        : which === 'fwd' ? { x: filled(l.x, 3), w } : { x: filled(l.x, 3), w, dy: filled(outDims(l), 1) };
      const bytes = (f: string) => (f === 'nchwc' ? nchwcModel(l, which as 'fwd' | 'dx' | 'dw', opsetVersion) : which === 'fwd' ? forwardModel(l, f, opsetVersion)
        : which === 'fwd+dw' ? forwardAndWeightModel(l, f.startsWith('separate') ? 'separate' : 'shared', f.replace('separate-', '') as WeightGradForm, opsetVersion)
          : gradModel(l, which, f, opsetVersion));
      const sessions = await Promise.all(forms.map((f) => ort.InferenceSession.create(bytes(f), { intraOpNumThreads: threads, graphOptimizationLevel: 'all', logSeverityLevel: 3 })));
      const times: number[][] = forms.map(() => []);
      const outs: Float32Array[] = [];
      for (let r = -2; r < rounds; r++) {
        for (let f = 0; f < forms.length; f++) {
          // the previous session's intra-op threads spin for a moment after its run; let them stop first
          if (threads !== 1) await new Promise((resolve) => setTimeout(resolve, 30));
          const t0 = performance.now();
          const res = await sessions[f]!.run(forms[f] === 'init' ? { x: feeds.x! } : feeds);
          const t1 = performance.now();
          if (r >= 0) times[f]!.push(t1 - t0);
          else outs[f] = res.out!.data as Float32Array;
        }
      }
      const ref = outs[0]!;
      const line = forms.map((f, i) => {
        let d = 0, scale = 1e-12;
        for (let k = 0; k < ref.length; k++) { d = Math.max(d, Math.abs(ref[k]! - outs[i]![k]!)); scale = Math.max(scale, Math.abs(ref[k]!)); }
        return `${f} ${median(times[i]!).toFixed(3)} ms (rel diff ${(d / scale).toExponential(1)})`;
      }).join('  ');
      console.log(`${l.name.padEnd(24)} ${which}  ${line}`);
      await Promise.all(sessions.map((s) => s.release()));
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
