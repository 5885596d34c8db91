/** Names of the per-step scalar inputs a parameter's update reads. */
export const stepInputs = (param) => ({
    lr: `edgetune.lr/${param}`,
    stepSize: `edgetune.step_size/${param}`,
    invSqrtBc2: `edgetune.inv_sqrt_bc2/${param}`,
    scale: `edgetune.scale/${param}`,
});
/** The optimizer slots of each kind, in the TypeScript optimizers' names. */
export const slotNames = { sgd: [], momentum: ['velocity'], adam: ['m', 'v'], adamw: ['m', 'v'] };
/** Emit one parameter's update; returns the names of the new weight and new slots. */
export function emitUpdate(e, kind, h, w, g, slots, param) {
    const op = (o, i) => e.add(o, i)[0];
    const c = (v) => e.floats([v], []);
    const inp = stepInputs(param);
    const gradDecay = kind === 'adamw' ? 0 : h.weightDecay;
    const gd = gradDecay === 0 ? g : op('Add', [g, op('Mul', [w, c(gradDecay)])]);
    if (kind === 'sgd')
        return { weight: op('Sub', [w, op('Mul', [gd, inp.lr])]), slots: {} };
    if (kind === 'momentum') {
        const v = op('Add', [op('Mul', [slots.velocity, c(h.momentum)]), gd]);
        const upd = h.nesterov ? op('Add', [gd, op('Mul', [v, c(h.momentum)])]) : v;
        return { weight: op('Sub', [w, op('Mul', [upd, inp.lr])]), slots: { velocity: v } };
    }
    const m = op('Add', [op('Mul', [slots.m, c(h.beta1)]), op('Mul', [gd, c(1 - h.beta1)])]);
    const v = op('Add', [op('Mul', [slots.v, c(h.beta2)]), op('Mul', [op('Mul', [gd, gd]), c(1 - h.beta2)])]);
    const denom = op('Add', [op('Mul', [op('Sqrt', [v]), inp.invSqrtBc2]), c(h.eps)]);
    const weight = op('Sub', [op('Mul', [w, inp.scale]), op('Div', [op('Mul', [m, inp.stepSize]), denom])]);
    return { weight, slots: { m, v } };
}
