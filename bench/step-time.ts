/**
 * Where an edgetune training step spends its time, for models/lenet5.onnx:
 * the forward pass (ONNX Runtime running the training view, which also
 * returns every value the rules need) against the backward pass through the
 * TypeScript rules (the reverse walk), per step, and their ratio
 * backward/forward. Whole steps are timed in the same rounds on both of the
 * Tuner's paths: `backward: 'typescript'` (forward, loss, rules, update) and
 * the default, which runs the whole step as one compiled ONNX graph when
 * every op on the gradient path has an emitter.
 *
 *   node dist-bench/bench/step-time.js [--batch 64] [--rounds 10] [--warmup 2]
 */
import { performance } from 'node:perf_hooks';
import { computeLoss } from '../src/grad/losses.js';
import { edgetuneTuner, tunerBatch } from './peers/edgetune.js';
import { median } from './stats.js';
import { lenet5, trainBatches } from './workloads.js';
import { isEntryPoint } from './entry.js';

export interface StepTimes {
  batch: number;
  rounds: number;
  /** medians over the rounds, milliseconds per step */
  forwardMs: number;
  /** the rules' reverse walk alone */
  backwardMs: number;
  /** backwardMs / forwardMs */
  ratio: number;
  /** whole Tuner.trainStep with backward through the rules */
  stepRulesMs: number;
  /** whole Tuner.trainStep on the default path */
  stepDefaultMs: number;
  /** the path the default Tuner took */
  defaultPath: 'compiled' | 'typescript';
}

export interface StepTimeOptions {
  batch?: number;
  rounds?: number;
  warmup?: number;
}

/**
 * Median forward, backward and whole-step times of LeNet-5 training with SGD
 * on MNIST batches. Each round times one forward and one rules backward on
 * the current weights, one whole step with backward through the rules, and
 * one whole step of a default Tuner.
 */
export async function measureStepTime(opts: StepTimeOptions = {}): Promise<StepTimes> {
  const batch = opts.batch ?? 64, rounds = opts.rounds ?? 10, warmup = opts.warmup ?? 2;
  const m = lenet5();
  const rulesTuner = await edgetuneTuner(m.bytes, m.name, { optimizer: 'sgd', lr: 0.01, loss: m.loss, backward: 'typescript' });
  const defaultTuner = await edgetuneTuner(m.bytes, m.name, { optimizer: 'sgd', lr: 0.01, loss: m.loss });
  const data = trainBatches(batch, 4);
  const batches = data.map((b) => tunerBatch(rulesTuner, b));
  const engine = rulesTuner.engine;
  const fwd: number[] = [], bwd: number[] = [], stepRules: number[] = [], stepDefault: number[] = [];
  try {
    for (let r = -warmup; r < rounds; r++) {
      const b = batches[(r + warmup) % batches.length]!;
      const t0 = performance.now();
      const f = await engine.forward(b.feeds, rulesTuner.weights);
      const t1 = performance.now();
      const { grad } = computeLoss(rulesTuner.options.loss, f.output, b.target);
      const t2 = performance.now();
      engine.backward(f.values, grad);
      const t3 = performance.now();
      await rulesTuner.trainStep(b);
      const t4 = performance.now();
      await defaultTuner.trainStep(b);
      const t5 = performance.now();
      if (r < 0) continue;
      fwd.push(t1 - t0);
      bwd.push(t3 - t2);
      stepRules.push(t4 - t3);
      stepDefault.push(t5 - t4);
    }
  } finally {
    await rulesTuner.dispose();
    await defaultTuner.dispose();
  }
  const forwardMs = median(fwd), backwardMs = median(bwd);
  return {
    batch, rounds, forwardMs, backwardMs, ratio: backwardMs / forwardMs,
    stepRulesMs: median(stepRules), stepDefaultMs: median(stepDefault), defaultPath: defaultTuner.backwardPath,
  };
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
  measureStepTime({ batch: argValue(args, '--batch', 64), rounds: argValue(args, '--rounds', 10), warmup: argValue(args, '--warmup', 2) }).then(
    (t) => {
      console.log(`lenet5.onnx batch ${t.batch}, median of ${t.rounds} rounds: forward (ONNX Runtime) ${t.forwardMs.toFixed(1)} ms, `
        + `backward (rules) ${t.backwardMs.toFixed(1)} ms, backward/forward ${t.ratio.toFixed(2)}; whole step with the rules ${t.stepRulesMs.toFixed(1)} ms, `
        + `default step (${t.defaultPath}) ${t.stepDefaultMs.toFixed(1)} ms`);
      console.log(JSON.stringify(t));
    },
    (e: unknown) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; },
  );
}
