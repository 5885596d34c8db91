/**
 * How much a compiled training step would gain from running two optimizer
 * steps in one ONNX Runtime call: the Tuner's own step graph (captured from
 * its first step through a Backend that records the sessions it creates),
 * and the same graph chained twice, the first copy's new weights reshaped
 * into the second copy's weight inputs inside the graph, so that only the
 * second copy's weights come back to JavaScript (onnxruntime-node copies
 * every output it returns: bench/output-copy.ts), chained by
 * src/compile/chain-steps.ts. Both sessions run on the same feeds in
 * alternating rounds; the chained run is reported per step, with both
 * losses of its first run (the second from weights one step on) and the
 * second loss two single-step runs give, which it should match. SGD steps
 * of a CPU step with its state split per parameter (models from 2^18
 * trained values) only.
 *
 *   node dist-bench/bench/steps-per-run.js [--model bench/models/cache/resnet18.onnx] [--threads 2] [--batch 32] [--size 64] [--rounds 10]
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InferenceSession } from 'onnxruntime-common';
import { chainSteps, SECOND_STEP, splitStatePairs } from '../src/compile/chain-steps.js';
import { slotNames } from '../src/compile/optimizer-emit.js';
import { newParam } from '../src/compile/split-update.js';
import { LOSS } from '../src/compile/step-graph.js';
import { OnnxModel } from '../src/model.js';
import { decodeModel, encodeModel } from '../src/onnx/model-io.js';
import { nodeBackend, releaseNow } from '../src/node/backend.js';
import type { Backend, OrtTensor } from '../src/runtime/backend.js';
import { Tuner } from '../src/train/tuner.js';
import { median } from './stats.js';
import { flag, isEntryPoint } from './entry.js';

type Feeds = Record<string, OrtTensor>;
type Fetches = Record<string, OrtTensor | null>;

interface Captured { bytes: Uint8Array; options: InferenceSession.SessionOptions | undefined; feeds?: Feeds; fetches?: Fetches }

/** A backend that records the largest model it opens a session for, and that session's last run. */
function recordingBackend(base: Backend, threads: number, seen: { step?: Captured }): Backend {
  const ort = base.ort;
  return {
    ...base,
    sessionOptions: (p) => ({ ...base.sessionOptions?.(p), intraOpNumThreads: threads }),
    ort: {
      Tensor: ort.Tensor,
      InferenceSession: {
        async create(bytes, options) {
          const session = await ort.InferenceSession.create(bytes, options);
          if (seen.step && seen.step.bytes.length >= bytes.length) return session;
          const captured: Captured = { bytes, options };
          seen.step = captured;
          const run = session.run.bind(session) as (f: Feeds, o?: Fetches) => Promise<Feeds>;
          (session as unknown as { run: typeof run }).run = (feeds, fetches) => {
            captured.feeds = feeds;
            captured.fetches = fetches;
            return run(feeds, fetches);
          };
          return session;
        },
      },
    },
  };
}

/** Frees the runtime's own copies of outputs that were written into the given arrays. */
function releaseCopies(out: Feeds, fetches: Fetches): void {
  releaseNow(Object.entries(out).filter(([k, t]) => fetches[k] && t.data !== fetches[k]!.data).map(([, t]) => (t.data as Float32Array).buffer as ArrayBuffer));
}

export interface StepsPerRunResult {
  model: string;
  threads: number;
  batch: number;
  rounds: number;
  /** medians, milliseconds per optimizer step */
  oneMs: number;
  twoMs: number;
  /** the chained run's two losses on its first run */
  losses: [number, number];
  /** the second loss from two single-step runs on the same feeds (the chained run's second loss should match it) */
  sequential: number;
}

export async function measureStepsPerRun(file: string, threads: number, batch: number, size: number, rounds: number): Promise<StepsPerRunResult> {
  const seen: { step?: Captured } = {};
  const backend = recordingBackend(nodeBackend, threads, seen);
  const tuner = await Tuner.create(OnnxModel.fromBytes(new Uint8Array(readFileSync(file)), path.basename(file)), backend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.01 });
  const input = tuner.engine.work.inputs[0]!;
  const dims = (input.dims ?? []).map((d, i) => (i === 0 ? batch : typeof d === 'number' && d > 0 ? d : size));
  const x = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37) * 0.5);
  await tuner.trainStep({ feeds: { [input.name]: { dims, data: x } }, target: { dims: [batch], data: BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 10)) } });
  const step = seen.step;
  await tuner.dispose();
  if (!step?.feeds || !step.fetches) throw new Error('steps-per-run: no compiled step ran');
  if (!Object.keys(step.fetches).some((k) => k.startsWith(newParam('')))) throw new Error('steps-per-run: the step keeps its state flat (a small model); only split state is chained');
  const ort = nodeBackend.ort;
  const one = await ort.InferenceSession.create(step.bytes, step.options);
  const proto = decodeModel(step.bytes);
  const two = await ort.InferenceSession.create(encodeModel(chainSteps(proto, splitStatePairs(proto, slotNames.sgd))), step.options);
  const feeds1 = step.feeds, fetches1 = step.fetches;
  const feeds2: Feeds = { ...feeds1 };
  for (const name of two.inputNames) if (name.startsWith(SECOND_STEP)) feeds2[name] = feeds1[name.slice(SECOND_STEP.length)]!;
  const fetches2: Fetches = {};
  for (const [k, t] of Object.entries(fetches1)) {
    if (k.startsWith(newParam(''))) fetches2[SECOND_STEP + k] = t;
    else { fetches2[k] = null; fetches2[SECOND_STEP + k] = null; }
  }
  const oneMs: number[] = [], twoMs: number[] = [];
  let losses: [number, number] = [NaN, NaN];
  let sequential = NaN;
  try {
    for (let r = -2; r < rounds; r++) {
      let t0 = performance.now();
      releaseCopies(await one.run(feeds1, fetches1), fetches1);
      const a = performance.now() - t0;
      t0 = performance.now();
      const out = await two.run(feeds2, fetches2);
      releaseCopies(out, fetches2);
      const b = performance.now() - t0;
      if (r === -2) losses = [Number(out[LOSS]!.data[0]), Number(out[SECOND_STEP + LOSS]!.data[0])];
      if (r < 0) continue;
      oneMs.push(a);
      twoMs.push(b / 2);
    }
    // the same two steps one run each: the first writes its new weights into fetches1's arrays, the second reads them
    await one.run(feeds1, fetches1);
    const next: Feeds = { ...feeds1 };
    for (const k of Object.keys(fetches1)) {
      const p = k.slice(newParam('').length);
      if (k.startsWith(newParam('')) && feeds1[p]) next[p] = new ort.Tensor('float32', fetches1[k]!.data as Float32Array, feeds1[p]!.dims);
    }
    sequential = Number((await one.run(next, Object.fromEntries(Object.keys(fetches1).map((k) => [k, null]))))[LOSS]!.data[0]);
  } finally {
    await one.release();
    await two.release();
  }
  return { model: path.basename(file), threads, batch, rounds, oneMs: +median(oneMs).toFixed(2), twoMs: +median(twoMs).toFixed(2), losses, sequential };
}

if (isEntryPoint(import.meta.url)) {
  const argv = process.argv.slice(2);
  const get = (name: string, dflt: string) => flag(argv, name, dflt);
  measureStepsPerRun(get('--model', 'bench/models/cache/resnet18.onnx'), Number(get('--threads', '2')), Number(get('--batch', '32')), Number(get('--size', '64')), Number(get('--rounds', '10'))).then(
    (r) => {
      console.log(`${r.model}, batch ${r.batch}, ${r.threads} thread(s), median of ${r.rounds} rounds: one step per run ${r.oneMs} ms, `
        + `two steps per run ${r.twoMs} ms per step (${((1 - r.twoMs / r.oneMs) * 100).toFixed(1)}% less); the chained run's losses ${r.losses[0].toFixed(6)}, ${r.losses[1].toFixed(6)} `
        + `(two single runs: ${r.sequential.toFixed(6)})`);
      console.log(JSON.stringify(r));
    },
    (e: unknown) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; },
  );
}
