/**
 * Dropout in inference form (training_mode input absent or false, or ratio 0):
 * y = x. Differentiable: data (0); ratio, training_mode and the mask output
 * carry no gradient. Saves: ratio and training_mode (scalars), to refuse the
 * random training form with UnsupportedError.
 *
 *   ∂L/∂x = δ.
 *
 * Emitted: δ itself when the node has no training_mode input (or opset < 12).
 * Otherwise training_mode and ratio are graph values, unknown when the
 * backward graph is built: ∂x = Where(training ∧ ratio ≠ 0, NaN, δ), so a
 * step through random dropout yields a non-finite gradient, which the tuner
 * rejects, instead of a wrong one.
 */
import { UnsupportedError } from '../../errors.js';
import { asFloat, type GradRule, type RuleContext } from '../rule.js';
import { optionalIntsIn } from './reshape.js';
import type { EmitContext } from '../../compile/emit.js';
import { DataType } from '../../onnx/dtypes.js';

/** Whether the node drops values at run time: training_mode true (opset 12+) with a nonzero ratio (default 0.5). */
function dropsValues(ctx: RuleContext): boolean {
  if (ctx.opset < 12) return false;
  const training = optionalIntsIn(ctx, 2);
  if (!training || training.every((v) => v === 0)) return false;
  const ratio = ctx.node.inputs[1] ? asFloat(ctx.inputs[1], `node '${ctx.node.name}' (Dropout) ratio`).data[0] : 0.5;
  return ratio !== 0;
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const training = ctx.opset >= 12 ? ctx.inputs[2] : undefined;
  if (!training) return [dy];
  const on = ctx.op('Cast', [training], { to: DataType.BOOL });
  const ratio = ctx.inputs[1];
  const drops = ratio
    ? ctx.op('And', [on, ctx.op('Not', [ctx.op('Equal', [ctx.op('Cast', [ratio], { to: DataType.FLOAT }), ctx.floats([0], [])])])])
    : on;
  const dx = ctx.op('Where', [drops, ctx.floats([Number.NaN], []), dy]);
  ctx.setDims(dx, ctx.dims(ctx.outputs[0]!));
  return [dx];
}

export const dropout: GradRule = {
  differentiable: [0],
  saves: { inputs: [1, 2], outputs: [] },
  vjp(ctx) {
    if (dropsValues(ctx)) {
      throw new UnsupportedError(`node '${ctx.node.name}' (${ctx.node.opType}): training-mode dropout is not supported`);
    }
    return [ctx.gradOutputs[0]!];
  },
  emit,
};
