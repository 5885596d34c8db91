import { reshapeBack } from './reshape.js';
export const flatten = {
    differentiable: [0],
    saves: { inputs: [0], outputs: [] },
    vjp: reshapeBack,
};
