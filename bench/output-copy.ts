/**
 * What returning a run's outputs costs in onnxruntime-node, sized like a
 * training step's new weights: a graph that scales each float initializer of
 * a model by a constant (one output per tensor, as the compiled step's split
 * state has) and sums each product, run in alternating rounds
 *
 *   all   fetching every scaled tensor into host arrays through
 *         Session.runRaw, as the compiled step does (the binding's own copies
 *         freed at once), and
 *   sums  fetching only the sums: the same kernels run, nothing large
 *         leaves ONNX Runtime.
 *
 * The binding copies every CPU output into a new ArrayBuffer even when the
 * caller preallocated it, so `all − sums` is the price of handing the new
 * weights back to JavaScript each step (allocation, page faults, the copy,
 * and the collections the external memory triggers). Minor page faults per
 * run are counted for both.
 *
 *   node dist-bench/bench/output-copy.js [--model bench/models/cache/resnet18.onnx] [--threads 2] [--rounds 15]
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataType } from '../src/onnx/dtypes.js';
import { floatTensor, graph, model, node, valueInfo } from '../src/onnx/builder.js';
import { encodeModel } from '../src/onnx/model-io.js';
import { OnnxModel } from '../src/model.js';
import { CPU_STEP_MEMORY } from '../src/compile/compiled-step.js';
import { nodeBackend } from '../src/node/backend.js';
import type { Feed } from '../src/runtime/host-tensor.js';
import { Session } from '../src/runtime/session.js';
import { median } from './stats.js';
import { flag, isEntryPoint } from './entry.js';

export interface OutputCopyResult {
  model: string;
  tensors: number;
  megabytes: number;
  threads: number;
  rounds: number;
  /** medians, milliseconds per run */
  allMs: number;
  sumsMs: number;
  /** median minor page faults per run */
  allFaults: number;
  sumsFaults: number;
}

/** Element counts of the model's float initializers with more than `min` values. */
function floatSizes(file: string, min: number): number[] {
  const m = OnnxModel.fromBytes(new Uint8Array(readFileSync(file)), path.basename(file));
  return m.graph.initializer
    .filter((t) => t.data_type === DataType.FLOAT)
    .map((t) => t.dims.reduce<number>((a, d) => a * Number(d), 1))
    .filter((n) => n > min);
}

function scaleGraph(sizes: readonly number[]): Uint8Array {
  const nodes = sizes.flatMap((_, i) => [
    node('Mul', [`w${i}`, 'scale'], [`o${i}`]),
    node('ReduceSum', [`o${i}`], [`s${i}`], { keepdims: 0 }),
  ]);
  const inputs = sizes.map((n, i) => valueInfo(`w${i}`, DataType.FLOAT, [n]));
  const outputs = sizes.flatMap((n, i) => [valueInfo(`o${i}`, DataType.FLOAT, [n]), valueInfo(`s${i}`, DataType.FLOAT, [])]);
  return encodeModel(model(graph('scale', nodes, inputs, outputs, [floatTensor('scale', [], [1.0001])]), { opsets: [{ domain: '', version: 13 }] }));
}

export async function measureOutputCopy(file: string, threads: number, rounds: number): Promise<OutputCopyResult> {
  const sizes = floatSizes(file, 100);
  const session = await Session.create(nodeBackend, scaleGraph(sizes), [], {
    label: 'output-copy', ortOptions: { intraOpNumThreads: threads, ...CPU_STEP_MEMORY },
  });
  const feeds: Record<string, Feed> = {};
  const into: Record<string, Feed> = {};
  sizes.forEach((n, i) => {
    feeds[`w${i}`] = { dims: [n], data: new Float32Array(n).fill(1) };
    into[`o${i}`] = { dims: [n], data: new Float32Array(n) };
  });
  const sums = sizes.map((_, i) => `s${i}`);
  const outputs = { all: [...sums, ...Object.keys(into)], sums };
  const times = { all: [] as number[], sums: [] as number[] };
  const faults = { all: [] as number[], sums: [] as number[] };
  const pause = () => new Promise((r) => setTimeout(r, 20));
  try {
    for (let r = -2; r < rounds; r++) {
      for (const kind of ['all', 'sums'] as const) {
        await pause();
        const f0 = process.resourceUsage().minorPageFault;
        const t0 = performance.now();
        // the compiled step's path: outputs written into host arrays, the binding's own copies freed at once
        await session.runRaw(feeds, outputs[kind], kind === 'all' ? into : undefined);
        const dt = performance.now() - t0;
        const df = process.resourceUsage().minorPageFault - f0;
        if (r < 0) continue;
        times[kind].push(dt);
        faults[kind].push(df);
      }
    }
  } finally {
    await session.dispose();
  }
  return {
    model: path.basename(file), tensors: sizes.length, megabytes: +(sizes.reduce((a, b) => a + b, 0) * 4 / 1e6).toFixed(1), threads, rounds,
    allMs: +median(times.all).toFixed(2), sumsMs: +median(times.sums).toFixed(2),
    allFaults: median(faults.all), sumsFaults: median(faults.sums),
  };
}

if (isEntryPoint(import.meta.url)) {
  const argv = process.argv.slice(2);
  const get = (name: string, dflt: string) => flag(argv, name, dflt);
  const file = get('--model', 'bench/models/cache/resnet18.onnx');
  measureOutputCopy(file, Number(get('--threads', '2')), Number(get('--rounds', '15'))).then(
    (r) => {
      console.log(`${r.model}: ${r.tensors} tensors, ${r.megabytes} MB; ${r.threads} thread(s), median of ${r.rounds} rounds: `
        + `returning them ${r.allMs} ms per run (${r.allFaults} page faults), only their sums ${r.sumsMs} ms (${r.sumsFaults}); `
        + `the outputs cost ${(r.allMs - r.sumsMs).toFixed(2)} ms`);
      console.log(JSON.stringify(r));
    },
    (e: unknown) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; },
  );
}
