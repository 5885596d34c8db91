/**
 * Cases shared by the reduction rules: every Reduce* op on odd shapes in each
 * opset form of its axes (attribute, input from 13 for ReduceSum and from 18
 * for the others), keepdims 0 and 1, negative axes, reduce-all and
 * noop_with_empty_axes; and the variadic Max/Min/Mean with broadcasting.
 * Values are distinct and 0.05 apart, none at 0, so no maximum or minimum
 * switches and no |x| kink is crossed while the gradient check probes.
 */
import { int64Tensor, node } from '../../../src/onnx/builder.js';
import { axesInputSince } from '../../../src/grad/rules/reduce-common.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import { distinctValues } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

/** Two step sizes: the smaller one keeps the truncation error of the quartic losses (ReduceSumSquare under MSE) below tolerance. */
const S = { samples: 40, eps: [1e-2, 2e-3] };

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Distinct values for x [dims], shifted off 0. */
function values(dims: readonly number[], seed: number): number[] {
  return distinctValues(size(dims), seed).map((v) => v + 0.025);
}

interface ReduceForm {
  dims: number[];
  /** undefined: no axes at all */
  axes?: number[];
  keepdims?: number;
  noop?: number;
  opset: number;
}

/** y = op(x) in the form the opset gives the axes: an attribute, or an int64 initializer as input 1. */
export function reduceSpec(opType: string, f: ReduceForm, seed = 3): GraphSpec {
  const attrs: Record<string, number | number[]> = {};
  if (f.keepdims !== undefined) attrs.keepdims = f.keepdims;
  if (f.noop !== undefined) attrs.noop_with_empty_axes = f.noop;
  const asInput = f.opset >= axesInputSince(opType);
  if (!asInput && f.axes) attrs.axes = f.axes;
  const withInput = asInput && f.axes !== undefined;
  return {
    nodes: [node(opType, withInput ? ['x', 'axes'] : ['x'], ['y'], attrs)],
    params: { x: { dims: f.dims, data: values(f.dims, seed) } },
    constants: withInput ? [int64Tensor('axes', [f.axes!.length], f.axes!)] : [],
    output: 'y',
    opsetVersion: f.opset,
  };
}

function describe(f: ReduceForm, asInput: boolean): string {
  const axes = f.axes === undefined ? 'no axes' : `axes [${f.axes.join(',')}]${asInput ? ' as input' : ''}`;
  const noop = f.noop !== undefined ? `, noop_with_empty_axes ${f.noop}` : '';
  return `opset ${f.opset}: [${f.dims.join(',')}] ${axes}, keepdims ${f.keepdims ?? 1}${noop}`;
}

/** Every axes form of a Reduce* op, with its attribute form at opsets 11 (and 13) and its input form at 13 or 18. */
export function reduceCases(opType: string): RuleCase[] {
  const since = axesInputSince(opType);
  const forms: ReduceForm[] = [
    { dims: [3, 4, 5], axes: [1], opset: 11 },
    { dims: [3, 4, 5], axes: [-1, 0], keepdims: 0, opset: 11 },
    { dims: [2, 3, 5], opset: 11 },
    { dims: [2, 3, 5], keepdims: 0, opset: 11 },
    { dims: [4, 3, 4], axes: [-3], keepdims: 0, opset: 13 },
    { dims: [2, 5, 1, 3], axes: [2, 1], opset: 13 },
    { dims: [3, 4, 3], axes: [2], keepdims: 0, opset: 18 },
    { dims: [3, 4, 3], axes: [0, -1], keepdims: 0, opset: 18 },
    { dims: [2, 3, 1, 4], axes: [-2, 0], opset: 18 },
    { dims: [3, 2, 4], opset: 18 },
    { dims: [3, 2, 4], keepdims: 0, opset: 18 },
    { dims: [3, 2, 4], axes: [], keepdims: 0, opset: 18 },
    { dims: [3, 2, 4], axes: [], noop: 1, opset: 18 },
    { dims: [3, 2, 4], noop: 1, keepdims: 0, opset: 18 },
    { dims: [3, 2, 4], axes: [1], noop: 1, keepdims: 0, opset: 18 },
    { dims: [2, 3, 4], axes: [0, 2], opset: 7 },
  ];
  return forms.map((f, i) => ({
    name: describe(f, f.opset >= since),
    spec: reduceSpec(opType, f, 3 + i),
    opts: S,
  }));
}

/** y = op(inputs) over named operands of the given dims, all values distinct across operands. */
export function variadicSpec(opType: string, dims: number[][], opsetVersion = 17, seed = 5): GraphSpec {
  const names = dims.map((_, i) => String.fromCharCode(97 + i));
  const all = distinctValues(dims.reduce((n, d) => n + size(d), 0), seed).map((v) => v + 0.025);
  let at = 0;
  const params: GraphSpec['params'] = {};
  names.forEach((n, i) => {
    const k = size(dims[i]!);
    params[n] = { dims: dims[i]!, data: all.slice(at, at + k) };
    at += k;
  });
  return { nodes: [node(opType, names, ['y'])], params, output: 'y', opsetVersion };
}

/** Max/Min/Mean over broadcasting operands, a single operand, and equal shapes before broadcasting (opset 7). */
export function variadicCases(opType: string): RuleCase[] {
  const shapes: [number[][], number][] = [
    [[[3, 4], [3, 4]], 13],
    [[[3, 1, 5], [4, 1]], 13],
    [[[2, 3, 4], [4]], 11],
    [[[2, 3, 4], []], 13],
    [[[1, 3, 1], [2, 1, 4], [3, 4]], 18],
    [[[2, 5]], 13],
    [[[2, 3], [2, 3], [2, 3]], 7],
  ];
  return shapes.map(([dims, opset], i) => ({
    name: `opset ${opset}: ${dims.map((d) => `[${d.join(',')}]`).join(' vs ')}`,
    spec: variadicSpec(opType, dims, opset, 5 + i),
    opts: S,
  }));
}

/** Values on a coarse grid (many ties) for the emitter checks of the extremum rules' tie rule. */
function tiedValues(n: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 7) % 5) * 0.25 - 0.5);
}

/**
 * ReduceMax/ReduceMin on tied values: no central difference can judge a tie,
 * so these only check that the compiled emitter splits the gradient among tied
 * positions as the TypeScript rule does.
 */
export function reduceTieCases(opType: string): RuleCase[] {
  const forms: ReduceForm[] = [
    { dims: [2, 5, 3], axes: [1], opset: 13 },
    { dims: [4, 5], keepdims: 0, opset: 18 },
    { dims: [3, 5, 2], axes: [-2], keepdims: 0, opset: 18 },
  ];
  return forms.map((f) => {
    const spec = reduceSpec(opType, f);
    spec.params.x = { dims: f.dims, data: tiedValues(size(f.dims)) };
    return { name: `ties, ${describe(f, f.opset >= axesInputSince(opType))}`, spec };
  });
}

/** Max/Min on operands that share values (ties across operands), with broadcasting. */
export function variadicTieCases(opType: string): RuleCase[] {
  return [[[3, 5], [5]], [[2, 1, 5], [3, 5], [5]]].map((dims) => {
    const spec = variadicSpec(opType, dims, 13);
    for (const [k, p] of Object.entries(spec.params)) spec.params[k] = { dims: p.dims, data: tiedValues(size(p.dims)) };
    return { name: `ties: ${dims.map((d) => `[${d.join(',')}]`).join(' vs ')}`, spec };
  });
}
