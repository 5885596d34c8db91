/**
 * Training pass for `--bn train`: every BatchNormalization node is rewritten
 * to normalise with the statistics of the batch, as in training mode, with
 * ops that have gradient rules:
 *
 *   x₃ = Reshape(X, [0, 0, −1])                      [N, C, L] for any rank ≥ 2
 *   μ  = ReduceMean(x₃, axes [0, 2]),  d = x₃ − μ
 *   σ² = ReduceMean(d·d, axes [0, 2])                 (biased, as ONNX's training mode)
 *   Y  = Reshape((d / √(σ² + ε))·scale + B, Shape(X))  scale, B reshaped to [1, C, 1]
 *
 * and the batch statistics μ and σ²·n/(n − 1) (as [C], n = N·L values per
 * channel: the unbiased variance, as PyTorch keeps it) become values the
 * trainer reads after each accepted step to update the running statistics
 * with the node's momentum m (ONNX: running = running·m + batch·(1 − m); a
 * PyTorch export carries m = 1 − PyTorch's momentum). The running
 * statistics are then written back into the model. ReduceMean takes its axes
 * as an attribute before opset 18 and as an input from 18.
 */
import { floatTensor, node as makeNode, int64Tensor } from '../../onnx/builder.js';
import { defaultOpset } from '../../onnx/model-io.js';
import type { ModelProto, NodeProto } from '../../onnx/types.js';
import { Attrs } from '../attributes.js';

export interface BatchStat {
  /** the BatchNormalization node */
  node: string;
  /** its scale and bias: parameters, though the rewritten graph feeds them to Reshape */
  scale: string;
  bias: string;
  runningMean: string;
  runningVar: string;
  /** values holding the batch mean and variance, [C] */
  batchMean: string;
  batchVar: string;
  momentum: number;
}

/** Rewrite every BatchNormalization of the main graph into its training form. Mutates `m`. */
export function batchNormTraining(m: ModelProto): BatchStat[] {
  const g = m.graph;
  if (!g) return [];
  const opset = defaultOpset(m);
  const stats: BatchStat[] = [];
  const nodes: NodeProto[] = [];
  const consts = new Map<string, string>();
  const ints = (values: number[]) => {
    const key = values.join(',');
    let name = consts.get(key);
    if (!name) {
      name = `edgetune.bn/const_${consts.size}`;
      g.initializer.push(int64Tensor(name, [values.length], values));
      consts.set(key, name);
    }
    return name;
  };
  g.node.forEach((n, index) => {
    if ((n.op_type ?? '') !== 'BatchNormalization' || (n.domain ?? '') !== '' || n.input.length < 5) { nodes.push(n); return; }
    const attrs = new Attrs(n);
    const eps = attrs.float('epsilon', 1e-5);
    const momentum = attrs.float('momentum', 0.9);
    const name = n.name || `BatchNormalization_${index}`;
    const v = (s: string) => `${name}/bn_train/${s}`;
    const [x, scale, bias, runningMean, runningVar] = n.input as [string, string, string, string, string];
    const add = (op: string, inputs: string[], out: string, a: Record<string, number | number[]> = {}) => {
      nodes.push(makeNode(op, inputs, [out], a, { name: `${v(out.slice(out.lastIndexOf('/') + 1))}_node` }));
      return out;
    };
    const mean = (input: string, out: string) => opset >= 18
      ? add('ReduceMean', [input, ints([0, 2])], out, { keepdims: 1 })
      : add('ReduceMean', [input], out, { axes: [0, 2], keepdims: 1 });
    const x3 = add('Reshape', [x, ints([0, 0, -1])], v('x3'));
    const mu = mean(x3, v('mean'));
    const d = add('Sub', [x3, mu], v('centred'));
    const sigma2 = mean(add('Mul', [d, d], v('squared')), v('var'));
    const epsName = `${name}/bn_train/epsilon`;
    const oneName = `${name}/bn_train/one`;
    g.initializer.push(floatTensor(epsName, [], [eps]), floatTensor(oneName, [], [1]));
    const std = add('Sqrt', [add('Add', [sigma2, epsName], v('var_eps'))], v('std'));
    const xhat = add('Div', [d, std], v('normalised'));
    const scaled = add('Mul', [xhat, add('Reshape', [scale, ints([1, -1, 1])], v('scale3'))], v('scaled'));
    const y3 = add('Add', [scaled, add('Reshape', [bias, ints([1, -1, 1])], v('bias3'))], v('y3'));
    add('Reshape', [y3, add('Shape', [x], v('shape'))], n.output[0]!);
    const batchMean = add('Reshape', [mu, ints([-1])], v('batch_mean'));
    const count = add('Div', [add('Cast', [add('Size', [x3], v('size_x'))], v('size_xf'), { to: 1 }), add('Cast', [add('Size', [mu], v('size_c'))], v('size_cf'), { to: 1 })], v('count'));
    const unbiased = add('Div', [count, add('Sub', [count, oneName], v('count_less_one'))], v('unbiased'));
    const batchVar = add('Reshape', [add('Mul', [sigma2, unbiased], v('var_unbiased')), ints([-1])], v('batch_var'));
    stats.push({ node: name, scale, bias, runningMean, runningVar, batchMean, batchVar, momentum });
  });
  g.node = nodes;
  return stats;
}
