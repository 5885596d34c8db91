/**
 * Dropout in inference form (training_mode input absent or false, or ratio 0):
 * y = x. Differentiable: data (0); ratio, training_mode and the mask output
 * carry no gradient. Saves: ratio and training_mode (scalars), to refuse the
 * random training form with UnsupportedError.
 *
 *   ∂L/∂x = δ.
 */
import { UnsupportedError } from '../../errors.js';
import { asFloat } from '../rule.js';
import { optionalIntsIn } from './reshape.js';
/** Whether the node drops values at run time: training_mode true (opset 12+) with a nonzero ratio (default 0.5). */
function dropsValues(ctx) {
    if (ctx.opset < 12)
        return false;
    const training = optionalIntsIn(ctx, 2);
    if (!training || training.every((v) => v === 0))
        return false;
    const ratio = ctx.node.inputs[1] ? asFloat(ctx.inputs[1], `node '${ctx.node.name}' (Dropout) ratio`).data[0] : 0.5;
    return ratio !== 0;
}
export const dropout = {
    differentiable: [0],
    saves: { inputs: [1, 2], outputs: [] },
    vjp(ctx) {
        if (dropsValues(ctx)) {
            throw new UnsupportedError(`node '${ctx.node.name}' (${ctx.node.opType}): training-mode dropout is not supported`);
        }
        return [ctx.gradOutputs[0]];
    },
};
