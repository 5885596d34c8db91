/**
 * Where a tuner's weights and optimizer state live. The compiled step takes
 * the weights and each optimizer slot as one flat vector over all parameters
 * (its FlatLayout) and returns new ones. After a compiled step on the CPU
 * those flat vectors are the truth and feed the next step as they are; the
 * per-parameter host arrays (`weights`, `states`) are cut from them only when
 * asked for, as arrays of their own, and from then on the host arrays are the
 * truth (the caller may change them) until the next step. After compiled
 * WebGPU steps the newest values are GPU tensors the last step returned
 * ("resident"), downloaded only when the host needs them (`sync`).
 */
import { EdgetuneError } from '../errors.js';
import type { OrtTensor } from '../runtime/backend.js';
import {
  disposeState, downloadTensors, packFlat, slotKey, stateLocation, WEIGHTS_KEY, type FlatLayout, type StepState,
} from '../compile/compiled-step.js';
import type { OptimizerState } from './optimizers/index.js';

/** The tuner's newest weights or optimizer state are in GPU memory, ahead of the host copy that was asked for. */
export class ResidentStateError extends EdgetuneError {
  override name = 'ResidentStateError';
}

/** Whether two layouts put the same parameters at the same places. */
export function sameLayout(a: FlatLayout, b: FlatLayout): boolean {
  return a === b || (a.total === b.total && a.params.length === b.params.length
    && a.params.every((p, i) => p === b.params[i] && a.sizes[i] === b.sizes[i]));
}

/** Each parameter's values cut from a flat vector as arrays of their own. */
function cut(layout: FlatLayout, flat: Float32Array): Map<string, Float32Array> {
  return new Map(layout.params.map((p, i) => [p, flat.slice(layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!)]));
}

/** Flat vectors on the host, newer than the per-parameter host arrays where `weights`/`slots` are set. */
interface FlatHost {
  layout: FlatLayout;
  weights: Float32Array | undefined;
  slots: Map<string, Float32Array>;
}

export class TrainingWeights {
  /** optimizer state on the host; its step counts are always current, its slots only where neither `flat` nor `resident` has newer ones */
  private hostStates: Map<string, OptimizerState>;
  /** the newest values as flat host vectors (after a compiled CPU step or a download), where the host arrays are older */
  private flat: FlatHost | undefined;
  /**
   * Flat step-state entries (the weights under WEIGHTS_KEY, each slot under
   * slotKey(slot)) whose newest value is a GPU tensor the last compiled step
   * returned, in `residentLayout`, with the provider that owns them.
   */
  private resident = new Map<string, OrtTensor>();
  private residentLayout: FlatLayout | undefined;
  private residentProvider = '';
  private syncing: Promise<void> | undefined;

  /** the host weights; undefined until first asked for when the constructor was given a reader */
  private hostWeights: Map<string, Float32Array> | undefined;
  private readonly initial: (() => Map<string, Float32Array>) | undefined;

  constructor(
    weights: Map<string, Float32Array> | (() => Map<string, Float32Array>), states: Map<string, OptimizerState>,
    private readonly params: readonly string[], private readonly slotNames: readonly string[],
  ) {
    if (typeof weights === 'function') this.initial = weights;
    else this.hostWeights = weights;
    this.hostStates = states;
  }

  /** The host weights; throws ResidentStateError while GPU memory holds newer ones. */
  get weights(): Map<string, Float32Array> {
    if (this.resident.has(WEIGHTS_KEY)) {
      throw new ResidentStateError(`tuner weight '${this.params[0] ?? ''}': the newest value is in GPU memory; await tuner.sync() before reading weights`);
    }
    const f = this.flat;
    if (f?.weights) {
      // from here on the host arrays are the truth: the caller may change them
      this.hostWeights = cut(f.layout, f.weights);
      f.weights = undefined;
    }
    this.hostWeights ??= this.initial!();
    return this.hostWeights;
  }

  /** Replace the weights (e.g. from a checkpoint); GPU copies of them are dropped. */
  set weights(w: Map<string, Float32Array>) {
    this.drop([WEIGHTS_KEY]);
    if (this.flat) this.flat.weights = undefined;
    this.hostWeights = w;
  }

  /** The host optimizer state; throws ResidentStateError while GPU memory holds newer slots. */
  get states(): Map<string, OptimizerState> {
    const ahead = this.slotNames.find((s) => this.resident.has(slotKey(s)));
    if (ahead) throw new ResidentStateError(`tuner optimizer slot '${ahead}': the newest value is in GPU memory; await tuner.sync() before reading states`);
    const f = this.flat;
    if (f && f.slots.size > 0) {
      const cuts = [...f.slots].map(([s, flat]) => [s, cut(f.layout, flat)] as const);
      this.hostStates = new Map(this.params.map((p) => {
        const st = this.hostStates.get(p)!;
        return [p, { step: st.step, slots: { ...st.slots, ...Object.fromEntries(cuts.map(([s, m]) => [s, m.get(p)!])) } }];
      }));
      f.slots.clear();
    }
    return this.hostStates;
  }

  /** Replace the optimizer state (e.g. from a checkpoint); GPU copies of the slots are dropped. */
  set states(s: Map<string, OptimizerState>) {
    this.drop(this.slotNames.map((n) => slotKey(n)));
    this.flat?.slots.clear();
    this.hostStates = s;
  }

  /** The optimizer step count of a parameter (always current on the host). */
  stepOf(param: string): number {
    return this.hostStates.get(param)!.step;
  }

  get location(): 'gpu-buffer' | 'cpu' | 'mixed' {
    return stateLocation(this.resident);
  }

  get provider(): string | undefined {
    return this.resident.size > 0 ? this.residentProvider : undefined;
  }

  /** Whether what GPU memory holds (if anything) can feed a step of `layout`. */
  residentFits(layout: FlatLayout): boolean {
    return this.resident.size === 0 || (this.residentLayout !== undefined && sameLayout(this.residentLayout, layout));
  }

  /**
   * The step state to feed a compiled step of `layout`: resident tensors,
   * else the flat host vectors of the last step, else the host arrays packed
   * into flat vectors (from `alloc`).
   */
  stepState(layout: FlatLayout, alloc?: (n: number) => Float32Array): StepState {
    let f = this.flat && sameLayout(this.flat.layout, layout) ? this.flat : undefined;
    const state: StepState = new Map();
    const packed = (data: () => Float32Array) => ({ dims: [layout.total], data: data() });
    let weights = this.resident.get(WEIGHTS_KEY) ?? (f?.weights ? packed(() => f!.weights!) : undefined);
    if (!weights) {
      const data = packFlat(layout, (p) => this.weights.get(p)!, alloc);
      // the packed vector becomes the truth (the host arrays are cut from it again when asked for), so that the
      // weights are not held twice while the step runs
      if (!this.flat || f) {
        f = this.flat = { layout, weights: data, slots: f?.slots ?? new Map() };
        this.hostWeights = new Map();
      }
      weights = { dims: [layout.total], data };
    }
    state.set(WEIGHTS_KEY, weights);
    const toPack = this.slotNames.filter((s) => !this.resident.has(slotKey(s)) && !f?.slots.has(s));
    // bring the host slots up to date once (the getter cuts what another layout's flat vectors hold)
    const host = toPack.length > 0 ? this.states : this.hostStates;
    for (const s of this.slotNames) {
      const key = slotKey(s);
      let slot = this.resident.get(key) ?? (f?.slots.has(s) ? packed(() => f!.slots.get(s)!) : undefined);
      if (!slot) {
        const data = packFlat(layout, (p) => host.get(p)!.slots[s]!, alloc);
        if (f && f === this.flat) {
          f.slots.set(s, data);
          this.hostStates = new Map(this.params.map((p) => {
            const st = this.hostStates.get(p)!;
            const { [s]: _dropped, ...rest } = st.slots;
            return [p, { step: st.step, slots: rest }];
          }));
        }
        slot = { dims: [layout.total], data };
      }
      state.set(key, slot);
    }
    return state;
  }

  /** Accept a step whose results stay in GPU memory. */
  acceptResident(next: Map<string, OrtTensor>, provider: string, layout: FlatLayout): void {
    disposeState(this.resident);
    this.resident = next;
    this.residentLayout = layout;
    this.residentProvider = provider;
    this.flat = undefined;
    this.bumpSteps();
  }

  /** Accept a step whose results are host arrays (flat, keyed as the step state). */
  acceptHost(data: Map<string, Float32Array>, layout: FlatLayout): void {
    disposeState(this.resident);
    this.resident.clear();
    this.flat = { layout, weights: data.get(WEIGHTS_KEY)!, slots: new Map(this.slotNames.map((s) => [s, data.get(slotKey(s))!])) };
    // the host arrays are older than the flat vectors, which the getters cut new arrays from: they need not be kept
    this.hostWeights = new Map();
    this.hostStates = new Map(this.params.map((p) => [p, { step: this.hostStates.get(p)!.step, slots: {} }]));
    this.bumpSteps();
  }

  private bumpSteps(): void {
    this.hostStates = new Map(this.params.map((p) => [p, { ...this.hostStates.get(p)!, step: this.hostStates.get(p)!.step + 1 }]));
  }

  /** Download what GPU memory holds into the host copy and free those buffers. */
  async sync(): Promise<void> {
    if (this.resident.size === 0) return;
    this.syncing ??= this.download().finally(() => { this.syncing = undefined; });
    await this.syncing;
  }

  private async download(): Promise<void> {
    const layout = this.residentLayout!;
    const data = await downloadTensors(this.resident);
    const slots = new Map<string, Float32Array>();
    for (const s of this.slotNames) {
      const v = data.get(slotKey(s));
      if (v) slots.set(s, v);
    }
    this.flat = { layout, weights: data.get(WEIGHTS_KEY), slots };
    this.resident.clear();
  }

  private drop(keys: readonly string[]): void {
    for (const k of keys) {
      this.resident.get(k)?.dispose();
      this.resident.delete(k);
    }
  }

  /** Free any GPU tensors still held. */
  release(): void {
    this.drop([...this.resident.keys()]);
  }
}
