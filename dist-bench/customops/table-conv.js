/**
 * edgetune.TableConv — a convolution with a connection table (LeNet-5's C3):
 *
 *   Y = Conv(X, W ∘ T, B),   T[j,i] ∈ {0,1} broadcast over the kernel window
 *
 * X [N,I,H,W], W [J,I,kh,kw], B [J] optional. Attributes as ONNX Conv
 * (strides, pads, dilations, auto_pad; group is 1) plus `table`: the J×I 0/1
 * matrix row-major (row j = output map, column i = input map, 1 = connected).
 * Unconnected kernels never contribute, whatever W holds.
 */
import { attr, fn, node, opset } from '../src/onnx/builder.js';
import { EDGETUNE_DOMAIN } from './domain.js';
export const TABLE_CONV = 'TableConv';
export function tableConvFunction(opsetVersion) {
    const table = node('Constant', [], ['table64'], {});
    table.attribute = [attr('value_ints', { ref: 'table', type: 'ints' })];
    const conv = node('Conv', ['X', 'Wm', 'B'], ['Y'], {});
    conv.attribute = [
        attr('strides', { ref: 'strides', type: 'ints' }),
        attr('pads', { ref: 'pads', type: 'ints' }),
        attr('dilations', { ref: 'dilations', type: 'ints' }),
        attr('auto_pad', { ref: 'auto_pad', type: 'string' }),
    ];
    const nodes = [
        table,
        node('Constant', [], ['s0'], { value_ints: [0] }),
        node('Constant', [], ['s2'], { value_ints: [2] }),
        node('Constant', [], ['ax23'], { value_ints: [2, 3] }),
        node('Shape', ['W'], ['wshape']),
        node('Slice', ['wshape', 's0', 's2'], ['ji']),
        node('Cast', ['table64'], ['tablef'], { to: 1 }),
        node('Reshape', ['tablef', 'ji'], ['mask2']),
        node('Unsqueeze', ['mask2', 'ax23'], ['mask']),
        node('Mul', ['W', 'mask'], ['Wm']),
        conv,
    ];
    return fn(EDGETUNE_DOMAIN, TABLE_CONV, ['X', 'W', 'B'], ['Y'], nodes, ['table', 'strides', 'pads', 'dilations', 'auto_pad'], [opset('', opsetVersion)], 'Y = Conv(X, W * table[j,i], B): a convolution with a 0/1 connection table.');
}
/** LeNet-5's C3 connection table (LeCun et al. 1998, Table I) as rows = 16 output maps, columns = 6 inputs. */
export function lenet5Table() {
    const byInput = [
        'X...XXX..XXXX.XX',
        'XX...XXX..XXXX.X',
        'XXX...XXX..X.XXX',
        '.XXX..XXXX..X.XX',
        '..XXX..XXXX.XX.X',
        '...XXX..XXXX.XXX',
    ];
    const t = [];
    for (let j = 0; j < 16; j++)
        for (let i = 0; i < 6; i++)
            t.push(byInput[i][j] === 'X' ? 1 : 0);
    return t;
}
