import { adam, type AdamOptions } from './adam.js';
import { adamw, type AdamWOptions } from './adamw.js';
import { momentum, type MomentumOptions } from './momentum.js';
import { sgd, type SgdOptions } from './sgd.js';
import { OptimizerError, type Optimizer } from './types.js';

export { adam, adamw, momentum, sgd };
export type { AdamOptions, AdamWOptions, MomentumOptions, SgdOptions };
export { OptimizerError } from './types.js';
export type { Optimizer, OptimizerState, StepResult } from './types.js';

export const optimizers = { sgd, momentum, adam, adamw };

export type OptimizerName = keyof typeof optimizers;

/** Union of every optimizer's options; each optimizer reads only its own fields. */
export type OptimizerOptions = SgdOptions & MomentumOptions & AdamOptions & AdamWOptions;

/** Looks an optimizer up by name; throws an OptimizerError listing the valid names. */
export function getOptimizer(name: string): Optimizer<OptimizerOptions> {
  if (!Object.prototype.hasOwnProperty.call(optimizers, name)) {
    throw new OptimizerError(`unknown optimizer '${name}'; valid names: ${Object.keys(optimizers).join(', ')}`);
  }
  return optimizers[name as OptimizerName];
}
