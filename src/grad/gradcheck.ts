/**
 * Gradient check: the analytic gradients of the rules against central
 * differences of the loss through ONNX Runtime's own forward pass,
 *
 *   ∂L/∂θ_i ≈ n(h) = (L(θ + h e_i) − L(θ − h e_i)) / 2h,
 *
 * on sampled coordinates of every trained parameter (always including the
 * coordinate with the largest analytic gradient).
 *
 * Float32 resolution. For each parameter p, ν_p is the largest rounding error
 * of the loss of one forward pass when p moves, measured: the losses at
 * θ + k·δ (k = 0…6, δ a random direction over p of relative size 2⁻²⁰) have
 * second differences that are rounding alone, and ν_p = 2 · their median
 * (≈ 3.3 standard deviations of the rounding), at least 2⁻²⁴ Σ_j |∂L/∂y_j||y_j|
 * (what rounding the model outputs to float32 alone does to the loss).
 *
 * Step per parameter (unless `eps` gives the steps):
 *
 *   h_p = clamp(ν_p / (10⁻³ · G_p), 10⁻⁴ · s_p, 5·10⁻³ · s_p)
 *
 * G_p = max(RMS of p's analytic gradient, floor₀) and s_p = RMS of p's values
 * (1 where p is all zeros): the step at which rounding (ν_p/h) is 0.1% of p's
 * typical gradient, kept within 0.01%…0.5% of p's magnitude (a larger step
 * crosses ReLU and pooling switches everywhere; a smaller one is below float32
 * resolution of θ itself). Every step is at least 2⁻¹⁵ |θ_i|.
 *
 * Kinks. ReLU, MaxPool, Clip, Max… are piecewise smooth: where a ReLU input or
 * a pooling tie lies within ±h of switching, n(h) mixes two slopes and says
 * nothing about the gradient at θ. Such a coordinate is recognised from the
 * loss alone (never from the analytic gradient, so a wrong rule cannot hide
 * behind it). With L₀ = L(θ) (one extra forward pass for the whole check),
 * the one-sided quotients d₊(h) = (L(θ + h e_i) − L₀)/h and
 * d₋(h) = (L₀ − L(θ − h e_i))/h, their difference b(h) = d₊ − d₋, and the
 * same at h/2: where L is smooth, b(h) = h·L'' + O(h³) and n(h) = L' + O(h²),
 * so b(h/2) ≈ b(h)/2 and n(h/2) ≈ n(h) (curvature alone is no kink); a slope
 * jump J crossed at distance t < h breaks one or the other by at least J/8
 * while n(h) is off by at most J/2. The coordinate is at a kink when
 *
 *   |n(h) − n(h/2)|     > 2 ν_p/h + 2.5·10⁻³ · m,   or
 *   |b(h/2) − b(h)/2|   > 5 ν_p/h + 2.5·10⁻³ · m,   m = max(|n(h)|, floor_p(h))
 *
 * (the ν_p/h terms: about four standard deviations of what rounding makes of
 * each; the second: kinks too small to move n(h) by more than about 1%). It
 * is then skipped and counted, and more coordinates are drawn in its place
 * (up to 4 × samples per parameter); a parameter none of whose coordinates
 * could be checked is tried again at a quarter and a sixteenth of the step
 * (a kink farther than that is no longer crossed) and, failing that, reported
 * as unchecked.
 *
 * Cost: one forward pass for L₀, six per parameter for ν_p, four per drawn
 * coordinate (θ ± h, θ ± h/2) and step.
 *
 * Error. A coordinate's error is |a − n(h)| / max(|a|, |n(h)|, floor_p(h)) with
 *
 *   floor_p(h) = max(floor₀, 400 ν_p / h),   floor₀ = 10⁻³ · the largest analytic gradient,
 *
 * a relative error on a gradient that is zero to rounding, or below what a
 * float32 difference at step h resolves once the kink test's allowance for
 * rounding is granted, says nothing.
 */
import type { HostTensor } from '../runtime/host-tensor.js';
import { Rng } from '../train/rng.js';
import type { GradientEngine } from './engine.js';
import { computeLoss } from './losses.js';

export interface GradcheckOptions {
  /** coordinates checked per parameter (default 12); more are drawn in place of those skipped at kinks */
  samples?: number;
  /**
   * absolute steps instead of the per-parameter default (each paired with its
   * half for the kink test); with several, a coordinate's error is the
   * smallest over the steps not at a kink, and it is skipped when every step
   * is at one
   */
  eps?: number | readonly number[];
  /** largest acceptable error (default 1e-2) */
  tolerance?: number;
  seed?: number;
}

export interface ParamCheck {
  name: string;
  /** coordinates compared */
  checked: number;
  /** coordinates drawn but left out, a ReLU or pooling switch within ± the step (each try counts, retries at smaller steps included) */
  skipped: number;
  /** worst error over the checked coordinates */
  maxError: number;
  worst: { index: number; analytic: number; numeric: number };
  /** the step the checked coordinates were measured with (the first, where `eps` gives several) */
  step: number;
  /** floor_p at that step: the error's denominator is at least this */
  floor: number;
  /** ν_p: the largest rounding error of the loss when this parameter moves */
  noise: number;
}

export interface GradcheckReport {
  loss: number;
  params: ParamCheck[];
  /** worst error over the checked coordinates of every parameter */
  maxError: number;
  tolerance: number;
  ok: boolean;
  /** coordinates skipped at kinks, over all parameters */
  skipped: number;
  /** parameters none of whose drawn coordinates could be checked (every one at a kink, at every step tried) */
  unchecked: string[];
}

/** Share of a parameter's typical gradient that rounding may make up at its default step. */
const NOISE_FRACTION = 1e-3;
/** Bounds of the default step, relative to the parameter's RMS. */
const MIN_STEP = 1e-4;
const MAX_STEP = 5e-3;
/** The error's floor at step h, in units of ν/h. */
const NOISE_FLOOR = 400;
/** Kinks whose traces stay below this share of the judged scale are too small to matter. */
const KINK_FRACTION = 2.5e-3;
/** What rounding alone makes of |n(h) − n(h/2)| and of |b(h/2) − b(h)/2|, in units of ν/h. */
const APART_NOISE = 2;
const BEND_NOISE = 5;
/** At most this many times `samples` coordinates are drawn per parameter and step. */
const MAX_DRAWS_FACTOR = 4;
/** Where every drawn coordinate is at a kink, the steps are divided by this, at most RETRIES times. */
const RETRY_DIVISOR = 4;
const RETRIES = 2;
/** Relative size and number of the noise probe's steps. */
const NOISE_PROBE = 2 ** -20;
const NOISE_PROBE_STEPS = 6;
const FLOAT32_EPSILON = 2 ** -24;

type Weights = Map<string, Float32Array>;

interface Probe {
  engine: GradientEngine;
  feeds: Record<string, HostTensor>;
  target: HostTensor;
  weights: Weights;
  /** L(θ) through the same forward pass as the perturbed losses */
  f0: number;
  /** 2⁻²⁴ Σ_j |∂L/∂y_j| |y_j| */
  resolution: number;
}

function rms(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return a.length === 0 ? 0 : Math.sqrt(s / a.length);
}

/** Coordinates in the order they are tried: the largest analytic gradient first, then distinct random ones. */
function* coordinates(grad: Float32Array, rng: Rng): Generator<number> {
  const n = grad.length;
  if (n === 0) return;
  let best = 0;
  for (let i = 1; i < n; i++) if (Math.abs(grad[i]!) > Math.abs(grad[best]!)) best = i;
  yield best;
  const seen = new Set<number>([best]);
  // Rejection sampling while most coordinates are untried, then a shuffle of the rest.
  while (seen.size < n / 2) {
    const i = Math.floor(rng.next() * n);
    if (!seen.has(i)) seen.add(i), yield i;
  }
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!seen.has(i)) rest.push(i);
  yield* rng.shuffle(rest);
}

/** ν_p (see the module comment). */
async function measureNoise(p: Probe, name: string, w: Float32Array, rng: Rng): Promise<number> {
  const s = rms(w) || 1;
  const direction = Float32Array.from(w, (v) => (rng.next() * 2 - 1) * Math.max(Math.abs(v), s) * NOISE_PROBE);
  const moved = new Float32Array(w.length);
  const weights = new Map(p.weights);
  weights.set(name, moved);
  const f = [p.f0];
  for (let k = 1; k <= NOISE_PROBE_STEPS; k++) {
    for (let i = 0; i < w.length; i++) moved[i] = w[i]! + k * direction[i]!;
    f.push(await p.engine.lossOnly(p.feeds, p.target, weights));
  }
  const second: number[] = [];
  for (let k = 1; k < f.length - 1; k++) second.push(Math.abs(f[k + 1]! - 2 * f[k]! + f[k - 1]!));
  second.sort((a, b) => a - b);
  return Math.max(2 * (second[Math.floor(second.length / 2)] ?? 0), p.resolution);
}

/** The default step of a parameter (see the module comment). */
function defaultStep(w: Float32Array, g: Float32Array, floor: number, noise: number): number {
  const s = rms(w) || 1;
  const typical = Math.max(rms(g), floor);
  return Math.min(Math.max(noise / (NOISE_FRACTION * typical), MIN_STEP * s), MAX_STEP * s);
}

interface Quotients {
  /** n(h) */
  numeric: number;
  /** b(h) = d₊(h) − d₋(h) */
  bend: number;
  /** h as applied after float32 rounding of θ ± h (the mean of the two sides) */
  reach: number;
}

async function quotients(p: Probe, name: string, w: Float32Array, i: number, h: number): Promise<Quotients> {
  const orig = w[i]!;
  const shifted = w.slice();
  const weights = new Map(p.weights);
  weights.set(name, shifted);
  shifted[i] = orig + h;
  const fUp = await p.engine.lossOnly(p.feeds, p.target, weights);
  const up = shifted[i]! - orig;
  shifted[i] = orig - h;
  const fDown = await p.engine.lossOnly(p.feeds, p.target, weights);
  const down = orig - shifted[i]!;
  return {
    numeric: (fUp - fDown) / (up + down),
    bend: (fUp - p.f0) / up - (p.f0 - fDown) / down,
    reach: (up + down) / 2,
  };
}

/** n(h) where neither kink test fires (see the module comment), else undefined. */
function kinkFree(wide: Quotients, narrow: Quotients, noise: number, floor: number): number | undefined {
  const allowance = KINK_FRACTION * Math.max(Math.abs(wide.numeric), floor);
  const rounding = noise / wide.reach;
  if (Math.abs(wide.numeric - narrow.numeric) > APART_NOISE * rounding + allowance) return undefined;
  if (Math.abs(narrow.bend - (narrow.reach / wide.reach) * wide.bend) > BEND_NOISE * rounding + allowance) return undefined;
  return wide.numeric;
}

export async function gradcheck(
  engine: GradientEngine, feeds: Record<string, HostTensor>, target: HostTensor, opts: GradcheckOptions = {},
): Promise<GradcheckReport> {
  const samples = opts.samples ?? 12;
  const tolerance = opts.tolerance ?? 1e-2;
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed);
  const noiseRng = new Rng(seed + 1);
  const weights = engine.currentWeights();
  const { loss, grads, output } = await engine.gradients(feeds, target, weights);
  const dy = computeLoss(engine.loss, output, target).grad.data;
  let resolution = 0;
  for (let j = 0; j < dy.length; j++) resolution += Math.abs(dy[j]! * output.data[j]!);
  let scale = 0;
  for (const g of grads.values()) for (const v of g) scale = Math.max(scale, Math.abs(v));
  const baseFloor = Math.max(1e-3 * scale, 1e-7);
  const probe: Probe = {
    engine, feeds, target, weights,
    f0: await engine.lossOnly(feeds, target, weights),
    resolution: FLOAT32_EPSILON * resolution,
  };
  const given = opts.eps === undefined ? undefined : typeof opts.eps === 'number' ? [opts.eps] : [...opts.eps];

  const params: ParamCheck[] = [];
  for (const p of engine.params) {
    const w = weights.get(p.name)!;
    const g = grads.get(p.name)!;
    const noise = await measureNoise(probe, p.name, w, noiseRng);
    const floorAt = (h: number) => Math.max(baseFloor, (NOISE_FLOOR * noise) / h);
    let steps = given ?? [defaultStep(w, g, baseFloor, noise)];
    const check: ParamCheck = {
      name: p.name, checked: 0, skipped: 0, maxError: 0,
      worst: { index: -1, analytic: 0, numeric: 0 }, step: steps[0]!, floor: floorAt(steps[0]!), noise,
    };
    const want = Math.min(samples, g.length);
    for (let round = 0; round <= RETRIES && check.checked === 0 && want > 0; round++) {
      if (round > 0) steps = steps.map((h) => h / RETRY_DIVISOR);
      check.step = steps[0]!;
      check.floor = floorAt(steps[0]!);
      let draws = 0;
      for (const i of coordinates(g, rng)) {
        if (check.checked >= want || draws >= MAX_DRAWS_FACTOR * samples) break;
        draws++;
        const analytic = g[i]!;
        const least = 2 ** -15 * Math.abs(w[i]!);
        let best: { err: number; numeric: number } | undefined;
        for (const step of steps) {
          const h = Math.max(step, least);
          const wide = await quotients(probe, p.name, w, i, h);
          const narrow = await quotients(probe, p.name, w, i, h / 2);
          const floor = floorAt(wide.reach);
          const numeric = kinkFree(wide, narrow, noise, floor);
          if (numeric === undefined) continue;
          const err = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), floor);
          if (!best || err < best.err) best = { err, numeric };
        }
        if (!best) {
          check.skipped++;
          continue;
        }
        check.checked++;
        if (best.err >= check.maxError) check.maxError = best.err, check.worst = { index: i, analytic, numeric: best.numeric };
      }
    }
    params.push(check);
  }
  const maxError = Math.max(0, ...params.map((p) => p.maxError));
  const unchecked = params.filter((p) => p.checked === 0 && p.skipped > 0).map((p) => p.name);
  const skipped = params.reduce((s, p) => s + p.skipped, 0);
  return { loss, params, maxError, tolerance, ok: maxError <= tolerance, skipped, unchecked };
}
