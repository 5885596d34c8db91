import { DataType } from '../../onnx/dtypes.js';
const FLOAT_TYPES = new Set([
    DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16,
    DataType.FLOAT8E4M3FN, DataType.FLOAT8E4M3FNUZ, DataType.FLOAT8E5M2, DataType.FLOAT8E5M2FNUZ, DataType.FLOAT4E2M1,
]);
export const cast = {
    differentiable: (node) => (FLOAT_TYPES.has(node.attrs.int('to', DataType.UNDEFINED)) ? [0] : []),
    saves: { inputs: [], outputs: [] },
    vjp: (ctx) => [ctx.gradOutputs[0]],
    emit: (ctx) => [ctx.opset >= 15
            ? ctx.op('CastLike', [ctx.gradOutputs[0], ctx.inputs[0]])
            : ctx.op('Cast', [ctx.gradOutputs[0]], { to: DataType.FLOAT })],
};
