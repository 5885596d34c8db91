/**
 * Unsqueeze: y = x with size-1 axes inserted at `axes` (positions in y, negative
 * counting from y's end; an input from opset 13, an attribute before).
 * Differentiable: data (0). Saves: axes (input 1, a few int64 values): x's dims
 * are δ's dims without those axes.
 *
 *   ∂L/∂x = reshape(δ, dims(δ) without axes).
 *
 * Emitted: Reshape(δ, dims(x)), x's dims being known statically.
 */
import { InputError } from '../../errors.js';
import { normalizeAxes } from '../../tensor/broadcast.js';
import { reshape } from '../../tensor/tensor.js';
import { optionalIntsIn } from './reshape.js';
import { reshapeBackEmit } from '../../compile/emit-shape-helpers.js';
export const unsqueeze = {
    differentiable: [0],
    saves: { inputs: [1], outputs: [] },
    vjp(ctx) {
        const dy = ctx.gradOutputs[0];
        const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
        const axes = ctx.opset >= 13 ? optionalIntsIn(ctx, 1) : ctx.node.attrs.ints('axes', []);
        if (!axes || axes.length === 0)
            throw new InputError(`${where}: axes are missing`);
        let inserted;
        try {
            inserted = new Set(normalizeAxes(axes, dy.dims.length, where));
        }
        catch (e) {
            throw new InputError(`${where}: axes [${axes.join(',')}] do not fit output rank ${dy.dims.length} (${e.message})`);
        }
        return [reshape(dy, dy.dims.filter((_, i) => !inserted.has(i)))];
    },
    emit: reshapeBackEmit,
};
