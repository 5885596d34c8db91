import { add } from './add.js';
import { div } from './div.js';
import { gemm } from './gemm.js';
import { matMul } from './mat-mul.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
export const elementwiseRules = {
    Gemm: gemm,
    MatMul: matMul,
    Add: add,
    Sub: sub,
    Mul: mul,
    Div: div,
    Sum: sum,
};
