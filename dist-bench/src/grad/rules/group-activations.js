import { clip } from './clip.js';
import { elu } from './elu.js';
import { hardSigmoid } from './hard-sigmoid.js';
import { hardSwish } from './hard-swish.js';
import { leakyRelu } from './leaky-relu.js';
import { logSoftmax } from './log-softmax.js';
import { relu } from './relu.js';
import { sigmoid } from './sigmoid.js';
import { softmax } from './softmax.js';
import { tanh } from './tanh.js';
export const activationRules = {
    Sigmoid: sigmoid,
    Tanh: tanh,
    Relu: relu,
    LeakyRelu: leakyRelu,
    Elu: elu,
    Clip: clip,
    Softmax: softmax,
    LogSoftmax: logSoftmax,
    HardSigmoid: hardSigmoid,
    HardSwish: hardSwish,
};
