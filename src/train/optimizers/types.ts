/**
 * Shared contract of the optimizers. Every optimizer updates one flat
 * float32 parameter tensor at a time through a pure step function: inputs are
 * never mutated and fresh arrays are returned. The state is plain data (a step
 * counter and named Float32Array slots) so it can be checkpointed and restored
 * bit-exactly.
 *
 * Arithmetic convention shared by all optimizers: each element is computed in
 * float64 from the float32 inputs and rounded once to float32 when it is
 * stored (new parameter value and each slot value). Slot values are read back
 * in their stored float32 form, so a step from a restored state is identical
 * to a step from the live one.
 */

/** Per-parameter optimizer state, e.g. `{m, v}` for Adam, `{velocity}` for momentum, `{}` for SGD. */
import { EdgetuneError } from '../../errors.js';
export interface OptimizerState {
  step: number;
  slots: Record<string, Float32Array>;
}

export interface StepResult {
  param: Float32Array;
  state: OptimizerState;
}

/**
 * An optimizer over one parameter tensor. The learning rate is passed per
 * call, so a caller may use a different `lr` for each parameter tensor (and
 * for each step, from a schedule).
 */
export interface Optimizer<O> {
  name: string;
  /** The zeroed state of a parameter; only its length is read. */
  init(param: { readonly length: number }): OptimizerState;
  step(param: Float32Array, grad: Float32Array, state: OptimizerState, lr: number, opts: O): StepResult;
}

export class OptimizerError extends EdgetuneError {
  override name = 'OptimizerError';
}

/** Throws an OptimizerError unless `value` is a finite number >= 0. */
export function checkNonNegative(optimizer: string, what: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new OptimizerError(`${optimizer}: ${what} must be a finite number >= 0, got ${value}`);
  }
}

/** Throws an OptimizerError unless `value` lies in [0, 1). */
export function checkUnitInterval(optimizer: string, what: string, value: number): void {
  if (!(value >= 0 && value < 1)) {
    throw new OptimizerError(`${optimizer}: ${what} must be in [0, 1), got ${value}`);
  }
}

/**
 * Validates the arguments common to every step: matching param/grad lengths,
 * a non-negative integer step counter, a usable learning rate, and the named
 * slots present with the parameter's length. Returns the slots in the order
 * of `slotNames`.
 */
export function checkStepInputs(
  optimizer: string,
  param: Float32Array,
  grad: Float32Array,
  state: OptimizerState,
  lr: number,
  slotNames: readonly string[],
): Float32Array[] {
  if (grad.length !== param.length) {
    throw new OptimizerError(`${optimizer}: grad has ${grad.length} elements but param has ${param.length}`);
  }
  if (!Number.isSafeInteger(state.step) || state.step < 0) {
    throw new OptimizerError(`${optimizer}: state.step must be a non-negative integer, got ${state.step}`);
  }
  checkNonNegative(optimizer, 'lr', lr);
  return slotNames.map((slot) => {
    const s = state.slots[slot];
    if (!(s instanceof Float32Array)) throw new OptimizerError(`${optimizer}: state slot '${slot}' is missing`);
    if (s.length !== param.length) {
      throw new OptimizerError(`${optimizer}: state slot '${slot}' has ${s.length} elements but param has ${param.length}`);
    }
    return s;
  });
}
