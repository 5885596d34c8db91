import { reshapeBack } from './reshape.js';
export const squeeze = {
    differentiable: [0],
    saves: { inputs: [0], outputs: [] },
    vjp: reshapeBack,
};
