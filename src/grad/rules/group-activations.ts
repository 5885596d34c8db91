/** Activation rules: Sigmoid, Tanh, Relu, LeakyRelu, Elu, Clip, Softmax, LogSoftmax, HardSigmoid, HardSwish. */
import type { GradRule } from '../rule.js';
import { sigmoid } from './sigmoid.js';

export const activationRules: Record<string, GradRule> = {
  Sigmoid: sigmoid,
};
