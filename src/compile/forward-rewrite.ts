/**
 * Forward convolutions of the compiled step in a faster form. In the step
 * their weights are graph inputs, so ONNX Runtime cannot pre-pack them and
 * runs one small GEMM per image; where a layer has only a few output
 * positions per image (the deep layers of a ResNet) that GEMM is narrow and
 * slow. Those Convs (group 1, trained weight) become one Gemm over the whole
 * batch instead: W [M, C·K] · cols [C·K, N·P] with cols the patch matrix of x
 * (src/compile/emit-helpers.ts), which the weight gradient then reads again
 * rather than building it twice; a Conv whose one window covers the whole
 * input is a plain Gemm of x; a depthwise Conv runs on ONNX Runtime's NCHWc
 * kernels where the step has them (emit-nchwc.ts), else, on small maps, as
 * one MatMul by per-channel dense matrices (emit-depthwise.ts); the other
 * dense Convs run on the NCHWc kernels where the step has them
 * (bench/profile-conv-grads.ts, one thread, reorders included: ResNet-18's
 * 7×7 first layer 4.5 ms against 5.6, its layer1 3.9 against 5.0). The result keeps the Conv's output name, so
 * the rest of the graph and the backward rules see the same values (up to
 * float rounding: the sums run in another order).
 */
import { convGeometry } from '../grad/rules/conv.js';
import type { BackwardPlan } from '../grad/plan.js';
import type { NodeProto } from '../onnx/types.js';
import { sizeOf } from '../tensor/tensor.js';
import type { EmitContext, GraphEmitter } from './emit.js';
import { reshapeEmit } from './emit-helpers.js';
import { convForwardPatchesEmit } from './emit-conv.js';
import { isDenseConv } from './emit-patches.js';
import { depthwiseForwardEmit, isSmallDepthwise } from './emit-depthwise.js';
import { isNchwcDense, isNchwcDepthwise, nchwcDenseForwardEmit, nchwcDepthwiseForwardEmit } from './emit-nchwc.js';

/**
 * Output positions per image at or below which the batch-wide Gemm and the
 * weight gradient sharing its patches beat ONNX Runtime's per-image Conv and
 * a weight gradient of its own (bench/profile-conv-grads.ts --which fwd+dw,
 * one thread: ResNet-18's layer4 at 4 positions 8.5 ms against 20.7, layer3
 * at 16 positions 7.3 against 8.5). Its layer2, at 64 positions, is about as
 * fast either way (8.5 against 8.7) but the shared patches would be kept
 * from the forward pass to the backward: 38 MB more at batch 32.
 */
export const SMALL_OUTPUT = 16;

/**
 * Replace, in `nodes` (the step's forward nodes, in order), each Conv of the
 * plan whose weight is trained and whose output is small by the batch-wide
 * Gemm form, emitted through `e` so that later emitters share its patches.
 */
export function rewriteForwardConvs(nodes: NodeProto[], plan: BackwardPlan, e: GraphEmitter, trained: ReadonlySet<string>, opset: number): NodeProto[] {
  const out: NodeProto[] = [];
  const steps = new Map(plan.steps.filter((s) => s.node.opType === 'Conv' && s.node.domain === '').map((s) => [s.node.outputs[0]!, s.node]));
  for (const n of nodes) {
    const view = (n.op_type === 'Conv' && (n.domain ?? '') === '') ? steps.get(n.output[0] ?? '') : undefined;
    const replaced = view && trained.has(view.inputs[1] ?? '') ? rewriteOne(view, e, opset) : undefined;
    if (replaced) out.push(...replaced);
    else out.push(n);
  }
  return out;
}

function rewriteOne(node: Parameters<typeof convGeometry>[0], e: GraphEmitter, opset: number): NodeProto[] | undefined {
  const [x, w, b] = node.inputs as [string, string, string | undefined];
  const y = node.outputs[0]!;
  let xDims: readonly number[], wDims: readonly number[], yDims: readonly number[];
  try {
    [xDims, wDims, yDims] = [e.dims(x), e.dims(w), e.dims(y)];
  } catch {
    return undefined;
  }
  const geo = convGeometry(node, xDims, wDims);
  const a = geo.attrs;
  if (a.strides.length !== xDims.length - 2) return undefined;
  if (isNchwcDepthwise(e.context(contextBase(node, opset)), xDims, wDims, yDims, a)) {
    return replaceWith(node, e, opset, y, yDims, (ctx) => nchwcDepthwiseForwardEmit(ctx, x, xDims, w, wDims, yDims, a, b ? b : undefined));
  }
  if (isSmallDepthwise(xDims, wDims, yDims, a)) {
    return replaceWith(node, e, opset, y, yDims, (ctx) => depthwiseForwardEmit(ctx, x, xDims, w, wDims, yDims, a, b ? b : undefined));
  }
  if (a.group !== 1) return undefined;
  const dense = isDenseConv(xDims, wDims, a);
  // strided taps are Slices with steps, which opset 10 brought; the form was measured faster where the weight
  // gradient reads the same patches (chooseConvGradForms: many output channels, small kernels)
  const K = sizeOf(wDims.slice(2));
  const shared = wDims[0]! >= 32 && K <= 9;
  const bias = b ? b : undefined;
  if (!dense && (!shared || sizeOf(yDims.slice(2)) > SMALL_OUTPUT || (opset < 10 && a.strides.some((s) => s !== 1)))) {
    return isNchwcDense(e.context(contextBase(node, opset)), xDims, wDims, a)
      ? replaceWith(node, e, opset, y, yDims, (ctx) => nchwcDenseForwardEmit(ctx, x, xDims, w, wDims, yDims, a, bias))
      : undefined;
  }
  return replaceWith(node, e, opset, y, yDims, (ctx) => {
    if (!dense) return convForwardPatchesEmit(ctx, x, xDims, w, wDims, yDims, a, bias).y;
    const [N, C] = xDims as [number, number];
    const M = wDims[0]!;
    const inputs = [reshapeEmit(ctx, x, xDims, [N, C * K]), reshapeEmit(ctx, w, wDims, [M, C * K])];
    if (bias) inputs.push(bias);
    else if (opset < 11) inputs.push(ctx.floats([0], []));
    const g = ctx.op('Gemm', inputs, { transB: 1 });
    ctx.setDims(g, [N, M]);
    return ctx.op('Reshape', [g, ctx.ints(yDims)]);
  });
}

/** The EmitContext fields of a forward Conv being rewritten (no gradients). */
function contextBase(node: Parameters<typeof convGeometry>[0], opset: number): Parameters<GraphEmitter['context']>[0] {
  return { node, inputs: node.inputs, outputs: node.outputs, gradOutputs: [], needs: [], opset };
}

/** The nodes `form` emits for a Conv, the last one writing the Conv's output `y`. */
function replaceWith(
  node: Parameters<typeof convGeometry>[0], e: GraphEmitter, opset: number, y: string, yDims: readonly number[], form: (ctx: EmitContext) => string,
): NodeProto[] {
  const start = e.nodes.length;
  const ctx = e.context(contextBase(node, opset));
  const result = form(ctx);
  const emitted = e.nodes.splice(start);
  // the form ends in the node that makes its result: that node now writes the Conv's output
  const last = emitted[emitted.length - 1]!;
  if (!last.output.includes(result)) throw new Error(`forward Conv '${node.name}': the rewritten form does not end in its result`);
  last.output = last.output.map((v) => (v === result ? y : v));
  e.setDims(y, yDims);
  return emitted;
}
