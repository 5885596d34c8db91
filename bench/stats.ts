/**
 * Timing: medians, and the interleaved (ABAB) measurement of several systems
 * on one workload in the same process, so that machine load drifting over
 * time hits every system alike.
 */
import { performance } from 'node:perf_hooks';

/** The median of xs (mean of the two middle values for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One system taking part in a workload. */
export interface Contender {
  system: string;
  /** images one call of `step` processes */
  images: number;
  /** untimed preparation before each of its timed blocks (e.g. selecting a TF.js backend) */
  before?: () => Promise<void>;
  step: () => Promise<unknown> | unknown;
  /**
   * Runs `steps` steps and returns the milliseconds they took, timed by the
   * system itself (a worker process timing its own loop, so the request
   * round trip is not charged to it); without it the bench loops over `step`
   * and times the loop with performance.now().
   */
  block?: (steps: number) => Promise<number>;
  /**
   * the pause before whatever block follows this system's (default the usual
   * SETTLE_MS): for a system whose threads keep spinning longer after it
   * returns (OpenBLAS's pool spins about 90 ms), so that the next system is
   * not charged for it
   */
  cooldownMs?: number;
  /** caps for a slow system: at most this many timed rounds / warm-up steps */
  maxRounds?: number;
  warmup?: number;
}

export interface AbabOptions {
  /** untimed steps per system before the rounds (0: blocks of one step) */
  warmup: number;
  rounds: number;
  /** steps per timed block are chosen so that a block lasts at least this long */
  minBlockMs: number;
  /** at most this many steps per block */
  maxSteps: number;
}

export interface Measured {
  system: string;
  /** images per second of each round's block */
  samples: number[];
  /** median over the rounds of images per second */
  imagesPerS: number;
  /** median milliseconds per step */
  msPerStep: number;
  stepsPerBlock: number;
  error?: string;
}

function message(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]!.slice(0, 300);
}

/**
 * A pause before every timed block: ONNX Runtime's intra-op threads keep
 * spinning for a moment after a run, and on a 2-core machine that spinning
 * would be charged to whichever system runs next.
 */
export const SETTLE_MS = 40;

function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** the cool-down owed by the last block run (by any contender) */
let owed = SETTLE_MS;

async function block(c: Contender, steps: number): Promise<number> {
  await c.before?.();
  await settle(Math.max(SETTLE_MS, owed));
  owed = c.cooldownMs ?? SETTLE_MS;
  if (c.block) return c.block(steps);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await c.step();
  return performance.now() - t0;
}

/**
 * Warm every contender up, size its blocks, then run `rounds` rounds in which
 * each contender in turn runs one timed block, the order rotating by one each
 * round (A B C, B C A, C A B, …). A contender
 * whose step throws is dropped with its error. Rates are images per second.
 */
export async function abab(contenders: readonly Contender[], opts: AbabOptions): Promise<Measured[]> {
  const live: { c: Contender; steps: number; ms: number[]; error?: string }[] = [];
  const out: Measured[] = [];
  for (const c of contenders) {
    try {
      let per = NaN;
      for (let i = 0; i < (c.warmup ?? opts.warmup); i++) per = await block(c, 1);
      // a fast step is timed again over a quarter block, since one step of well under a millisecond says little
      if (per < opts.minBlockMs / 4) {
        const n = Math.max(1, Math.min(opts.maxSteps, Math.ceil(opts.minBlockMs / 4 / Math.max(per, 1e-3))));
        per = (await block(c, n)) / n;
      }
      // without a warm-up step there is nothing to size the block by: one step per block
      const steps = Number.isNaN(per) ? 1 : Math.max(1, Math.min(opts.maxSteps, Math.ceil(opts.minBlockMs / Math.max(per, 1e-3))));
      live.push({ c, steps, ms: [] });
    } catch (e) {
      out.push({ system: c.system, samples: [], imagesPerS: NaN, msPerStep: NaN, stepsPerBlock: 0, error: message(e) });
    }
  }
  for (let r = 0; r < opts.rounds; r++) {
    // the order rotates from round to round, so no system always runs right after the same other one
    for (let j = 0; j < live.length; j++) {
      const l = live[(j + r) % live.length]!;
      if (l.error || l.ms.length >= (l.c.maxRounds ?? Infinity)) continue;
      try {
        l.ms.push(await block(l.c, l.steps));
      } catch (e) {
        l.error = message(e);
      }
    }
  }
  for (const l of live) {
    const samples = l.ms.map((ms) => (l.c.images * l.steps * 1000) / ms);
    out.push({
      system: l.c.system, samples, imagesPerS: median(samples), msPerStep: median(l.ms.map((ms) => ms / l.steps)), stepsPerBlock: l.steps,
      ...(l.error ? { error: l.error } : {}),
    });
  }
  return contenders.map((c) => out.find((m) => m.system === c.system)!);
}
