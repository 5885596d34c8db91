/**
 * Head-only training with and without cached features on a torchvision
 * MobileNetV2 export: test/fixtures/torch/mobilenet_v2-opset13.onnx, the
 * torchvision architecture at reduced width (8 channels in the stem, a
 * 128-wide classifier input, 32×32 inputs, 10 classes; PyTorch 1.13,
 * BatchNormalization kept as nodes), not the full-size ImageNet model; it is
 * also run at 224×224 by setting the input's spatial dims. Only the classifier (the Gemm after /Flatten)
 * trains. Uncached, every step runs the whole network forward; cached, the
 * frozen layers run once over the images (src/train/feature-cache.ts) and the
 * epochs train the classifier on the stored features.
 *
 * Each round trains both ways from the same weights on the same batches
 * (the order alternating between rounds); epochs 2..N are timed (the first
 * also builds the compiled step, and the cache), the cache's build time is
 * reported on its own, and the two runs' final weights are compared.
 *
 *   node dist-bench/bench/head-cache.js [--images 512] [--epochs 4] [--rounds 2] [--side 32]
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { OnnxModel } from '../src/model.js';
import { nodeBackend } from '../src/node/backend.js';
import type { Dataset } from '../src/train/data/dataset.js';
import { FeatureSplit, fitCached, splitForTuner } from '../src/train/feature-cache.js';
import { fit } from '../src/train/fit.js';
import { Rng } from '../src/train/rng.js';
import { Tuner } from '../src/train/tuner.js';
import type { ResultRow } from './report.js';
import { median } from './stats.js';
import { maxAbsDiff, repoRoot } from './workloads.js';
import { isEntryPoint } from './entry.js';

const MODEL = 'test/fixtures/torch/mobilenet_v2-opset13.onnx';

export interface HeadCacheOptions {
  images?: number;
  epochs?: number;
  rounds?: number;
  batch?: number;
  /** input height and width (default 32, the export's); other sizes are set on the model's input (the network ends in a global average pool) */
  side?: number;
}

export interface HeadCacheTimes {
  images: number;
  epochs: number;
  rounds: number;
  batch: number;
  side: number;
  /** medians over the rounds of the mean time of epochs 2..N, milliseconds */
  uncachedEpochMs: number;
  cachedEpochMs: number;
  /** uncachedEpochMs / cachedEpochMs */
  speedup: number;
  /** the frozen layers over every image once (median over the rounds) */
  cacheBuildMs: number;
  /** whole runs of N epochs, the cache's build included (medians over the rounds) */
  uncachedRunMs: number;
  cachedRunMs: number;
  /** largest |Δw| between the cached and uncached runs' final weights, over the rounds */
  maxWeightDiff: number;
  cut: readonly string[];
  params: number;
}

/** Seeded random 3×side×side images in 10 classes, each class shifting the mean of its own pattern. */
function images(n: number, side: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const per = 3 * side * side;
  const x = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    for (let k = 0; k < per; k++) x[i * per + k] = rng.normal() + 0.3 * (((labels[i]! + Math.floor(k / 64)) % 5) - 2);
  }
  return { name: `random-images-${n}x${side}`, size: n, sampleShape: [3, side, side], x, labels };
}

/** The export, its input made side×side. */
function loadModel(side: number): OnnxModel {
  const m = OnnxModel.fromBytes(new Uint8Array(readFileSync(path.join(repoRoot(), MODEL))), path.basename(MODEL));
  const dims = m.graph.input[0]!.type!.tensor_type!.shape!.dim;
  for (const d of dims.slice(2)) d.dim_value = side;
  return m;
}

/** Mean milliseconds per epoch over epochs 2..N from the epoch end times. */
function laterEpochs(ends: number[]): number {
  return (ends[ends.length - 1]! - ends[0]!) / (ends.length - 1);
}

async function headTuner(side: number): Promise<Tuner> {
  return Tuner.create(loadModel(side), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 1e-3, trainAfter: '/Flatten' });
}

export async function measureHeadCache(opts: HeadCacheOptions = {}): Promise<HeadCacheTimes> {
  const n = opts.images ?? 512, epochs = opts.epochs ?? 4, rounds = opts.rounds ?? 2, batch = opts.batch ?? 32, side = opts.side ?? 32;
  if (epochs < 2) throw new RangeError('head-cache: at least 2 epochs (the first is not timed)');
  const data = images(n, side, 17);
  const fitOpts = { epochs, batchSize: batch, seed: 3 };
  const uncached: number[] = [], cached: number[] = [], build: number[] = [], uncachedRun: number[] = [], cachedRun: number[] = [];
  let maxWeightDiff = 0, cut: readonly string[] = [], params = 0;
  for (let r = 0; r < rounds; r++) {
    const weights: Map<string, Float32Array>[] = [];
    for (const variant of r % 2 === 0 ? ['uncached', 'cached'] : ['cached', 'uncached']) {
      const t = await headTuner(side);
      try {
        const ends: number[] = [];
        const onEpochEnd = () => { ends.push(performance.now()); };
        const started = performance.now();
        if (variant === 'uncached') {
          await fit(t, data, { ...fitOpts, onEpochEnd });
          uncachedRun.push(performance.now() - started);
          uncached.push(laterEpochs(ends));
        } else {
          const split = splitForTuner(t);
          if (!(split instanceof FeatureSplit)) throw new Error(`head-cache: the model cannot be cut (${split.reason})`);
          const res = await fitCached(t, nodeBackend, data, split, { ...fitOpts, onEpochEnd });
          cachedRun.push(performance.now() - started);
          cached.push(laterEpochs(ends));
          build.push(res.cacheSeconds * 1000);
          cut = res.cut;
        }
        params = t.params.reduce((a, p) => a + p.dims.reduce((x, y) => x * y, 1), 0);
        weights.push(t.weights);
      } finally {
        await t.dispose();
      }
    }
    for (const [name, w] of weights[0]!) maxWeightDiff = Math.max(maxWeightDiff, maxAbsDiff(w, weights[1]!.get(name)!));
  }
  const uncachedEpochMs = median(uncached), cachedEpochMs = median(cached);
  return {
    images: n, epochs, rounds, batch, side, uncachedEpochMs, cachedEpochMs, speedup: uncachedEpochMs / cachedEpochMs,
    cacheBuildMs: median(build), uncachedRunMs: median(uncachedRun), cachedRunMs: median(cachedRun), maxWeightDiff, cut, params,
  };
}

/**
 * The workload's rows for bench/run.ts: at the export's 32×32, where the
 * reduced-width backbone costs little next to a step's fixed cost, and at
 * 224×224, the input size MobileNetV2 is made for (the same weights; the
 * network ends in a global average pool).
 */
export async function headCacheRows(quick: boolean): Promise<ResultRow[]> {
  const configs: HeadCacheOptions[] = quick
    ? [{ side: 32, images: 512, epochs: 6, rounds: 2 }, { side: 224, images: 128, epochs: 3, rounds: 1 }]
    : [{ side: 32, images: 2048, epochs: 6, rounds: 3 }, { side: 224, images: 256, epochs: 4, rounds: 3 }];
  const rows: ResultRow[] = [];
  for (const c of configs) {
    const t = await measureHeadCache(c);
    const w = `head-cache-mobilenet_v2-${t.side}px`;
    const size = t.side === 32 ? '32×32 as exported' : `${t.side}×${t.side} (input dims set on the 32×32 export)`;
    const what = `${MODEL}: torchvision MobileNetV2 at reduced width, not the full-size model; ${size}; classifier only (${t.params} values, trainAfter /Flatten), Adam, batch ${t.batch}, ${t.images} images; epochs 2..${t.epochs} timed, median of ${t.rounds} round(s)`;
    const row = (metric: string, value: number, unit: string, note: string): ResultRow => ({
      workload: w, system: 'edgetune', metric, value: Number.isFinite(value) ? value : null, unit, rounds: t.rounds, note,
    });
    rows.push(
      row('epochs_per_s_uncached', 1000 / t.uncachedEpochMs, 'epochs/s', `${what}: every step runs the whole network forward`),
      row('epochs_per_s_cached', 1000 / t.cachedEpochMs, 'epochs/s', `the frozen layers ran once (${t.cacheBuildMs.toFixed(0)} ms for ${t.images} images, not in these epochs); the head trains on the cached '${t.cut.join("', '")}'`),
      row('cache_speedup', t.speedup, '×', `cached ÷ uncached epochs/s (target ≥ 5×); whole ${t.epochs}-epoch runs, the cache's build and the first epoch included: ${t.uncachedRunMs.toFixed(0)} ms uncached, ${t.cachedRunMs.toFixed(0)} ms cached (${(t.uncachedRunMs / t.cachedRunMs).toFixed(1)}×); final weights of the two runs differ by at most ${t.maxWeightDiff.toExponential(1)}`),
    );
  }
  return rows;
}

function argValue(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} needs a positive integer, got '${args[i + 1] ?? ''}'`);
  return v;
}

if (isEntryPoint(import.meta.url)) {
  const args = process.argv.slice(2);
  measureHeadCache({
    images: argValue(args, '--images', 512), epochs: argValue(args, '--epochs', 4), rounds: argValue(args, '--rounds', 2), side: argValue(args, '--side', 32),
  }).then(
    (t) => {
      console.log(`${MODEL} (reduced-width torchvision MobileNetV2), classifier only, ${t.images} images of ${t.side}×${t.side}, batch ${t.batch}: `
        + `uncached ${t.uncachedEpochMs.toFixed(0)} ms/epoch, cached ${t.cachedEpochMs.toFixed(0)} ms/epoch (cache built in ${t.cacheBuildMs.toFixed(0)} ms), `
        + `speedup ${t.speedup.toFixed(1)}×; whole runs ${t.uncachedRunMs.toFixed(0)} ms uncached, ${t.cachedRunMs.toFixed(0)} ms cached; max |Δw| ${t.maxWeightDiff.toExponential(1)}`);
      console.log(JSON.stringify(t));
    },
    (e: unknown) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; },
  );
}
