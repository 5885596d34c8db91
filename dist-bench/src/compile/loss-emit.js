export function emitLoss(e, name, y, yDims, target, labels) {
    const n = yDims[0] ?? 1;
    const k = yDims.slice(1).reduce((a, b) => a * b, 1);
    const op = (o, i, a = {}) => e.add(o, i, a)[0];
    const y2 = op('Reshape', [y, e.ints([n, k])]);
    const t = labels
        ? op('Cast', [op('OneHot', [target, e.ints([k], []), e.floats([0, 1])], { axis: -1 })], { to: 1 })
        : op('Reshape', [target, e.ints([n, k])]);
    const invN = e.floats([1 / n], []);
    const mean = (perElement) => op('Mul', [op('ReduceSum', [perElement], { keepdims: 0 }), invN]);
    let loss, grad2;
    if (name === 'mse') {
        const diff = op('Sub', [y2, t]);
        loss = mean(op('Mul', [op('Mul', [diff, diff]), e.floats([0.5], [])]));
        grad2 = op('Mul', [diff, invN]);
    }
    else if (name === 'cross-entropy') {
        const logp = op('LogSoftmax', [y2], { axis: 1 });
        loss = op('Neg', [mean(op('Mul', [t, logp]))]);
        const tsum = op('ReduceSum', [t, e.ints([1])], { keepdims: 1 });
        grad2 = op('Mul', [op('Sub', [op('Mul', [op('Exp', [logp]), tsum]), t]), invN]);
    }
    else {
        const zero = e.floats([0], []);
        const absY = op('Abs', [y2]);
        const softplus = op('Log', [op('Add', [e.floats([1], []), op('Exp', [op('Neg', [absY])])])]);
        loss = mean(op('Add', [op('Sub', [op('Max', [y2, zero]), op('Mul', [y2, t])]), softplus]));
        grad2 = op('Mul', [op('Sub', [op('Sigmoid', [y2]), t]), invN]);
    }
    const grad = op('Reshape', [grad2, e.ints(yDims)]);
    e.setDims(grad, yDims);
    return { loss, grad };
}
