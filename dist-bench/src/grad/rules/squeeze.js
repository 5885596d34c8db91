import { reshapeBack } from './reshape.js';
import { reshapeBackEmit } from '../../compile/emit-shape-helpers.js';
export const squeeze = {
    differentiable: [0],
    saves: { inputs: [0], outputs: [] },
    vjp: reshapeBack,
    emit: reshapeBackEmit,
};
