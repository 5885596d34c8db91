/**
 * How much a second intra-op thread gives, block by block over time: three
 * pairs of ONNX Runtime sessions, one at 1 thread and one at 2, timed in
 * short alternating blocks for `--seconds`:
 *
 *   step   edgetune's compiled LeNet-5 SGD step at batch 64 (Tuner.trainStep);
 *   chain  40 Add/Mul nodes on [64, 6, 28, 28], LeNet-5's largest activation
 *          (small memory-bound kernels, each split over the threads);
 *   matmul one 512³ float32 MatMul (one large kernel).
 *
 * Each line is one round, in ms per run: step 2t/1t, chain 2t/1t, matmul
 * 2t/1t. The summary gives, per pair, the median speed-up of 2 threads over
 * 1 and the share of rounds in which 2 threads ran at least 1.25× faster.
 * On this machine (a virtual machine with two vCPUs) the step's gain from
 * the second thread comes and goes over seconds to minutes while the
 * 1-thread time stays put, so two-thread ratios in the bench move more from
 * run to run than one-thread ones; this shows whether the gain is there now.
 *
 *   node dist-bench/bench/thread-modes.js [--seconds 30] [--quiet]
 */
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';
import { DataType } from '../src/onnx/dtypes.js';
import { graph, model, node, opset, valueInfo } from '../src/onnx/builder.js';
import { encodeModel } from '../src/onnx/model-io.js';
import { edgetuneTuner, tunerBatch } from './peers/edgetune.js';
import { matmulPeak } from './peers/ort.js';
import { median } from './stats.js';
import { flag, isEntryPoint } from './entry.js';
import { modelBytes, TORCH_MODELS } from './torch-models.js';

/** The speed-up counted as a second thread "working": 2 threads at least this much faster than 1. */
export const GAIN_THRESHOLD = 1.25;

export const PAIRS = ['step', 'chain', 'matmul'] as const;
export type PairName = (typeof PAIRS)[number];

export interface PairSummary {
  /** median ms per run at 1 and 2 threads */
  oneMs: number;
  twoMs: number;
  /** median over rounds of (1-thread ms ÷ 2-thread ms) */
  speedup: number;
  /** share of rounds with speed-up ≥ GAIN_THRESHOLD */
  gainShare: number;
}

export interface ThreadModes {
  seconds: number;
  rounds: number;
  /** per round and pair: [2-thread ms, 1-thread ms] */
  series: Record<PairName, [number, number][]>;
  summary: Record<PairName, PairSummary>;
}

/** A run of `f` that returns ms per call over `n` calls. */
type Timed = (n: number) => Promise<number>;

function timed(f: (i: number) => Promise<unknown>): Timed {
  return async (n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await f(i);
    return (performance.now() - t0) / n;
  };
}

/** `count` alternating Add/Mul nodes, each reading the previous output and the input. */
function chainModel(dims: readonly number[], count: number): Uint8Array {
  const nodes = [];
  let prev = 'x';
  for (let i = 0; i < count; i++) {
    nodes.push(node(i % 2 ? 'Mul' : 'Add', [prev, 'x'], [`y${i}`], {}, { name: `n${i}` }));
    prev = `y${i}`;
  }
  const g = graph('chain', nodes, [valueInfo('x', DataType.FLOAT, [...dims])], [valueInfo(prev, DataType.FLOAT, [...dims])]);
  return encodeModel(model(g, { irVersion: 8, opsets: [opset('', 17)] }));
}

async function chainPair(): Promise<{ runs: [Timed, Timed]; dispose: () => Promise<void> }> {
  const dims = [64, 6, 28, 28];
  const bytes = chainModel(dims, 40);
  const x = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5);
  const feeds = { x: new ort.Tensor('float32', x, dims) };
  const two = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const one = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  return {
    runs: [timed(() => two.run(feeds)), timed(() => one.run(feeds))],
    dispose: async () => { await two.release(); await one.release(); },
  };
}

async function stepPair(): Promise<{ runs: [Timed, Timed]; dispose: () => Promise<void> }> {
  const spec = TORCH_MODELS.lenet5;
  const data = spec.batches(64, 4, 5);
  const make = (threads: number) => edgetuneTuner(modelBytes(spec), spec.file, { optimizer: 'sgd', lr: 0.01, loss: 'cross-entropy', threads });
  const two = await make(2);
  const one = await make(1);
  const b2 = data.map((b) => tunerBatch(two, b));
  const b1 = data.map((b) => tunerBatch(one, b));
  return {
    runs: [timed((i) => two.trainStep(b2[i % b2.length]!)), timed((i) => one.trainStep(b1[i % b1.length]!))],
    dispose: async () => { await two.dispose(); await one.dispose(); },
  };
}

async function matmulPair(): Promise<{ runs: [Timed, Timed]; dispose: () => Promise<void> }> {
  const two = await matmulPeak(512, 2);
  const one = await matmulPeak(512, 1);
  return { runs: [timed(two.run), timed(one.run)], dispose: async () => { await two.dispose(); await one.dispose(); } };
}

/** Runs per block: about 140 ms of steps, 15–35 ms of chains, 40 ms of MatMuls on this machine. */
const BLOCK: Record<PairName, number> = { step: 60, chain: 20, matmul: 40 };

export function summarize(series: readonly [number, number][]): PairSummary {
  const speedups = series.map(([two, one]) => one / two);
  return {
    twoMs: +median(series.map((s) => s[0])).toFixed(3),
    oneMs: +median(series.map((s) => s[1])).toFixed(3),
    speedup: +median(speedups).toFixed(3),
    gainShare: series.length === 0 ? NaN : +(speedups.filter((s) => s >= GAIN_THRESHOLD).length / series.length).toFixed(3),
  };
}

export async function measureThreadModes(seconds: number, onRound?: (line: string) => void): Promise<ThreadModes> {
  const pairs = { step: await stepPair(), chain: await chainPair(), matmul: await matmulPair() };
  const series: Record<PairName, [number, number][]> = { step: [], chain: [], matmul: [] };
  try {
    for (const p of PAIRS) for (const run of pairs[p].runs) await run(BLOCK[p]);
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const parts: string[] = [];
      for (const p of PAIRS) {
        const [two, one] = pairs[p].runs;
        const pair: [number, number] = [await two(BLOCK[p]), await one(BLOCK[p])];
        series[p].push(pair);
        parts.push(`${p} ${pair[0].toFixed(2)}/${pair[1].toFixed(2)}`);
      }
      onRound?.(parts.join('  '));
    }
  } finally {
    for (const p of PAIRS) await pairs[p].dispose();
  }
  const summary = Object.fromEntries(PAIRS.map((p) => [p, summarize(series[p])])) as Record<PairName, PairSummary>;
  return { seconds, rounds: series.step.length, series, summary };
}

if (isEntryPoint(import.meta.url)) {
  const argv = process.argv.slice(2);
  const quiet = argv.includes('--quiet');
  measureThreadModes(Number(flag(argv, '--seconds', '30')), quiet ? undefined : (l) => console.log(l)).then(
    (r) => {
      for (const p of PAIRS) {
        const s = r.summary[p];
        console.log(`${p}: 2 threads ${s.twoMs} ms, 1 thread ${s.oneMs} ms (medians); speed-up ${s.speedup}×; `
          + `2 threads ≥ ${GAIN_THRESHOLD}× faster in ${(s.gainShare * 100).toFixed(0)}% of ${r.rounds} rounds`);
      }
      console.log(JSON.stringify({ seconds: r.seconds, rounds: r.rounds, summary: r.summary }));
    },
    (e: unknown) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; },
  );
}
