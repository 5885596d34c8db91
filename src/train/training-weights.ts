/**
 * Where a tuner's weights and optimizer state live. The host copy (Float32
 * Arrays) is the truth on the CPU; after compiled WebGPU steps the newest
 * values may instead be GPU tensors the last step returned ("resident"),
 * downloaded only when the host needs them (`sync`).
 */
import { EdgetuneError } from '../errors.js';
import type { OrtTensor } from '../runtime/backend.js';
import { disposeState, downloadTensors, stateLocation, type StepState } from '../compile/compiled-step.js';
import { slotInput } from '../compile/step-graph.js';
import type { OptimizerState } from './optimizers/index.js';

/** The tuner's newest weights or optimizer state are in GPU memory, ahead of the host copy that was asked for. */
export class ResidentStateError extends EdgetuneError {}

export class TrainingWeights {
  /** optimizer state on the host; its step counts are always current, its slots only where `resident` has none */
  private hostStates: Map<string, OptimizerState>;
  /**
   * Step-state entries (a parameter's name for its weight,
   * `edgetune.slot/<p>::<slot>` for a slot) whose newest value is a GPU
   * tensor the last compiled step returned, with the provider that owns it.
   */
  private resident = new Map<string, OrtTensor>();
  private residentProvider = '';
  private syncing: Promise<void> | undefined;
  private readonly paramNames: Set<string>;

  constructor(
    private hostWeights: Map<string, Float32Array>, states: Map<string, OptimizerState>,
    private readonly params: readonly string[], private readonly slotNames: readonly string[],
  ) {
    this.hostStates = states;
    this.paramNames = new Set(params);
  }

  /** The host weights; throws ResidentStateError while GPU memory holds newer ones. */
  get weights(): Map<string, Float32Array> {
    const ahead = this.params.find((p) => this.resident.has(p));
    if (ahead) throw new ResidentStateError(`tuner weight '${ahead}': the newest value is in GPU memory; await tuner.sync() before reading weights`);
    return this.hostWeights;
  }

  /** Replace the weights (e.g. from a checkpoint); GPU copies of them are dropped. */
  set weights(w: Map<string, Float32Array>) {
    this.drop([...this.params]);
    this.hostWeights = w;
  }

  /** The host optimizer state; throws ResidentStateError while GPU memory holds newer slots. */
  get states(): Map<string, OptimizerState> {
    const ahead = [...this.resident.keys()].find((k) => !this.paramNames.has(k));
    if (ahead) throw new ResidentStateError(`tuner optimizer slot '${ahead}': the newest value is in GPU memory; await tuner.sync() before reading states`);
    return this.hostStates;
  }

  /** Replace the optimizer state (e.g. from a checkpoint); GPU copies of the slots are dropped. */
  set states(s: Map<string, OptimizerState>) {
    this.drop([...this.resident.keys()].filter((k) => !this.paramNames.has(k)));
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

  /** The step state to feed a compiled step: host arrays, overridden by resident tensors. */
  stepState(host: (weights: Map<string, Float32Array>, slots: Map<string, Record<string, Float32Array>>) => StepState): StepState {
    const state = host(this.hostWeights, new Map(this.params.map((p) => [p, this.hostStates.get(p)!.slots])));
    for (const [k, t] of this.resident) state.set(k, t);
    return state;
  }

  /** Accept a step whose results stay in GPU memory. */
  acceptResident(next: Map<string, OrtTensor>, provider: string): void {
    disposeState(this.resident);
    this.resident = next;
    this.residentProvider = provider;
    this.bumpSteps();
  }

  /** Accept a step whose results are host arrays (keyed as the step state). */
  acceptHost(data: Map<string, Float32Array>): void {
    disposeState(this.resident);
    this.resident.clear();
    this.hostWeights = new Map(this.params.map((p) => [p, data.get(p)!]));
    this.hostStates = new Map(this.params.map((p) => [p, {
      step: this.hostStates.get(p)!.step + 1,
      slots: Object.fromEntries(this.slotNames.map((s) => [s, data.get(slotInput(p, s))!])),
    }]));
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
    const data = await downloadTensors(this.resident);
    const weights = new Map(this.hostWeights);
    const states = new Map(this.hostStates);
    for (const p of this.params) {
      const w = data.get(p);
      if (w) weights.set(p, w);
      const st = states.get(p)!;
      const slots = { ...st.slots };
      for (const s of this.slotNames) slots[s] = data.get(slotInput(p, s)) ?? slots[s]!;
      states.set(p, { step: st.step, slots });
    }
    this.hostWeights = weights;
    this.hostStates = states;
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
