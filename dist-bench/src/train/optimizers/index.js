import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { momentum } from './momentum.js';
import { sgd } from './sgd.js';
import { OptimizerError } from './types.js';
export { adam, adamw, momentum, sgd };
export { OptimizerError } from './types.js';
export const optimizers = { sgd, momentum, adam, adamw };
/** Looks an optimizer up by name; throws an OptimizerError listing the valid names. */
export function getOptimizer(name) {
    if (!Object.prototype.hasOwnProperty.call(optimizers, name)) {
        throw new OptimizerError(`unknown optimizer '${name}'; valid names: ${Object.keys(optimizers).join(', ')}`);
    }
    return optimizers[name];
}
