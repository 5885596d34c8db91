import { floatTensor, int64Tensor, node, type AttrValue } from '../../../src/onnx/builder.js';
import type { NodeProto, TensorProto } from '../../../src/onnx/types.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 60 };

export interface ResizeSpecForm {
  opset: number;
  dims: number[];
  attrs?: Record<string, AttrValue>;
  roi?: number[];
  scales?: number[];
  sizes?: number[];
  /** scales and roi made by a Mul in the graph (values computed at run time) instead of given as constants */
  runTime?: boolean;
}

/** y = Resize(x) in the input form of `opset`: X, scales (10); X, roi, scales, sizes (11+; empty tensors at 11–12, empty names from 13). */
export function resizeSpec(f: ResizeSpecForm): GraphSpec {
  const constants: TensorProto[] = [];
  const inputs = ['x'];
  const nodes: NodeProto[] = [];
  const add = (name: string, t: TensorProto) => {
    if (!f.runTime || name === 'sizes') {
      inputs.push(name);
      constants.push(t);
      return;
    }
    const n = t.dims.map(Number)[0]!;
    constants.push({ ...t, name: `${name}.c` }, floatTensor(`${name}.one`, [n], new Array<number>(n).fill(1)));
    nodes.push(node('Mul', [`${name}.c`, `${name}.one`], [name]));
    inputs.push(name);
  };
  if (f.opset < 11) {
    add('scales', floatTensor('scales', [f.scales!.length], f.scales!));
  } else {
    if (f.roi) add('roi', floatTensor('roi', [f.roi.length], f.roi));
    else if (f.opset < 13) add('roi', floatTensor('roi', [0], []));
    else inputs.push('');
    if (f.scales) add('scales', floatTensor('scales', [f.scales.length], f.scales));
    else if (f.opset < 13) add('scales', floatTensor('scales', [0], []));
    else inputs.push('');
    if (f.sizes) add('sizes', int64Tensor('sizes', [f.sizes.length], f.sizes));
  }
  return {
    nodes: [...nodes, node('Resize', inputs, ['y'], f.attrs ?? {}, { name: 'resize' })],
    params: { x: { dims: f.dims } },
    constants,
    output: 'y',
    opsetVersion: f.opset,
  };
}

const nearest = (coordinate: string, nearestMode: string) => ({ mode: 'nearest', coordinate_transformation_mode: coordinate, nearest_mode: nearestMode });
const linear = (coordinate: string) => ({ mode: 'linear', coordinate_transformation_mode: coordinate });

export const cases: RuleCase[] = [
  {
    name: '×2 nearest upsampling as PyTorch exports it at opset 11 (asymmetric, floor, scales)',
    spec: resizeSpec({ opset: 11, dims: [2, 3, 4, 5], scales: [1, 1, 2, 2], attrs: nearest('asymmetric', 'floor') }),
    opts: S,
  },
  {
    name: '×2 nearest upsampling at opset 13 with scales and empty roi',
    spec: resizeSpec({ opset: 13, dims: [1, 3, 5, 4], scales: [1, 1, 2, 2], attrs: nearest('asymmetric', 'floor') }),
    opts: S,
  },
  {
    name: '×2 nearest upsampling given by sizes (opset 13)',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 3, 5], sizes: [1, 2, 6, 10], attrs: nearest('asymmetric', 'floor') }),
    opts: S,
  },
  {
    name: 'bilinear, align_corners=False as PyTorch exports it (pytorch_half_pixel, opset 11)',
    spec: resizeSpec({ opset: 11, dims: [1, 2, 4, 5], scales: [1, 1, 2, 2], attrs: linear('pytorch_half_pixel') }),
    opts: S,
  },
  {
    name: 'bilinear, align_corners=True as PyTorch exports it (align_corners, sizes)',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 4, 5], sizes: [1, 2, 7, 9], attrs: linear('align_corners') }),
    opts: S,
  },
  {
    name: 'bilinear half_pixel with non-integer scales, one axis down and one up',
    spec: resizeSpec({ opset: 13, dims: [2, 2, 5, 7], scales: [1, 1, 1.7, 0.6], attrs: linear('half_pixel') }),
    opts: S,
  },
  {
    name: 'bilinear half_pixel, a scale of 1.05 that keeps an axis at 8 positions (each interpolating between neighbours)',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 8, 5], scales: [1, 1, 1.05, 2], attrs: linear('half_pixel') }),
    opts: S,
  },
  {
    name: 'bilinear, scales of 1.05 that keep every length (ONNX Runtime then copies the input)',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 8, 8], scales: [1, 1, 1.05, 1.05], attrs: linear('half_pixel') }),
    opts: S,
  },
  {
    name: 'tf_crop_and_resize whose roi crops an axis it keeps at scale 1',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 6, 5], roi: [0, 0, 0.1, 0, 1, 1, 0.9, 1], scales: [1, 1, 1, 2], attrs: linear('tf_crop_and_resize') }),
    opts: S,
  },
  {
    name: 'scales computed at run time: bilinear, a scale of 1.05 that keeps an axis at 8 positions',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 8, 5], scales: [1, 1, 1.05, 2], attrs: linear('half_pixel'), runTime: true }),
    opts: S,
  },
  {
    name: 'scales computed at run time: bicubic, a scale of 1.1 that keeps an axis at 6 positions',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 6, 5], scales: [1, 1, 1.1, 1.6], attrs: { mode: 'cubic' }, runTime: true }),
    opts: S,
  },
  {
    name: 'scales computed at run time in the opset 10 form, a kept axis at 1.1',
    spec: resizeSpec({ opset: 10, dims: [1, 2, 6, 4], scales: [1, 1, 1.1, 2], attrs: { mode: 'linear' }, runTime: true }),
    opts: S,
  },
  {
    name: 'roi computed at run time: tf_crop_and_resize cropping an axis it keeps at scale 1',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 6, 5], roi: [0, 0, 0.1, 0, 1, 1, 0.9, 1], scales: [1, 1, 1, 2], attrs: linear('tf_crop_and_resize'), runTime: true }),
    opts: S,
  },
  {
    name: 'bilinear downsampling, asymmetric',
    spec: resizeSpec({ opset: 13, dims: [1, 3, 8, 9], scales: [1, 1, 0.5, 0.6], attrs: linear('asymmetric') }),
    opts: S,
  },
  {
    name: 'nearest downsampling, half_pixel with round_prefer_floor',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 9, 8], scales: [1, 1, 0.45, 0.5], attrs: nearest('half_pixel', 'round_prefer_floor') }),
    opts: S,
  },
  {
    name: 'nearest round_prefer_ceil with tf_half_pixel_for_nn and non-integer scales (opset 11)',
    spec: resizeSpec({ opset: 11, dims: [1, 2, 4, 5], scales: [1, 1, 1.5, 2.5], attrs: nearest('tf_half_pixel_for_nn', 'round_prefer_ceil') }),
    opts: S,
  },
  {
    name: 'nearest ceil with align_corners given by sizes',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 5, 4], sizes: [1, 2, 8, 3], attrs: nearest('align_corners', 'ceil') }),
    opts: S,
  },
  {
    name: 'tf_crop_and_resize with a roi reaching outside and an extrapolation_value',
    spec: resizeSpec({
      opset: 13, dims: [1, 2, 5, 6], roi: [0, 0, -0.2, 0.1, 1, 1, 0.8, 1.3], sizes: [1, 2, 6, 5],
      attrs: { ...linear('tf_crop_and_resize'), extrapolation_value: { float: 0.3 } },
    }),
    opts: S,
  },
  {
    name: 'tf_crop_and_resize, nearest, with scales',
    spec: resizeSpec({ opset: 11, dims: [1, 2, 5, 6], roi: [0, 0, 0.1, 0.2, 1, 1, 0.9, 1.1], scales: [1, 1, 1.6, 0.8], attrs: nearest('tf_crop_and_resize', 'round_prefer_floor') }),
    opts: S,
  },
  {
    name: 'bicubic (cubic_coeff_a −0.75), half_pixel',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 5, 6], scales: [1, 1, 1.5, 0.8], attrs: { mode: 'cubic' } }),
    opts: S,
  },
  {
    name: 'bicubic with exclude_outside and cubic_coeff_a −0.5 given by sizes',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 5, 6], sizes: [1, 2, 9, 4], attrs: { mode: 'cubic', coordinate_transformation_mode: 'pytorch_half_pixel', exclude_outside: 1, cubic_coeff_a: { float: -0.5 } } }),
    opts: S,
  },
  {
    name: 'bilinear over a 2-D tensor',
    spec: resizeSpec({ opset: 13, dims: [5, 7], scales: [1.6, 0.7], attrs: linear('half_pixel') }),
    opts: S,
  },
  {
    name: 'trilinear over a 3-D tensor',
    spec: resizeSpec({ opset: 13, dims: [3, 4, 5], scales: [1.5, 2, 0.6], attrs: linear('half_pixel') }),
    opts: S,
  },
  {
    name: 'trilinear over a 5-D tensor (align_corners, sizes)',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 3, 4, 3], sizes: [1, 2, 5, 3, 6], attrs: linear('align_corners') }),
    opts: S,
  },
  {
    name: 'nearest over a 5-D tensor',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 3, 3, 4], scales: [1, 1, 2, 1.5, 0.5], attrs: nearest('half_pixel', 'round_prefer_ceil') }),
    opts: S,
  },
  {
    name: 'axes attribute with scales on the listed axes (opset 18)',
    spec: resizeSpec({ opset: 18, dims: [1, 2, 5, 6], scales: [0.6, 1.8], attrs: { ...linear('half_pixel'), axes: [3, 2] } }),
    opts: S,
  },
  {
    name: 'axes attribute with sizes and a roi on the listed axes (opset 18)',
    spec: resizeSpec({ opset: 18, dims: [1, 2, 5, 6], sizes: [4, 8], roi: [0.1, 0, 0.9, 1.2], attrs: { ...linear('tf_crop_and_resize'), axes: [2, -1] } }),
    opts: S,
  },
  {
    name: 'antialiased bilinear downsampling (opset 18)',
    spec: resizeSpec({ opset: 18, dims: [1, 2, 9, 11], scales: [1, 1, 0.6, 0.35], attrs: { ...linear('half_pixel'), antialias: 1 } }),
    opts: S,
  },
  {
    name: 'antialiased bicubic downsampling with exclude_outside given by sizes (opset 18)',
    spec: resizeSpec({ opset: 18, dims: [1, 2, 9, 11], sizes: [1, 2, 4, 6], attrs: { mode: 'cubic', antialias: 1, exclude_outside: 1 } }),
    opts: S,
  },
  {
    name: 'half_pixel_symmetric with a fractional output size (opset 19)',
    spec: resizeSpec({ opset: 19, dims: [1, 2, 5, 7], scales: [1, 1, 1.7, 0.6], attrs: linear('half_pixel_symmetric') }),
    opts: S,
  },
  {
    name: 'opset 10 form: X and scales, nearest upsampling',
    spec: resizeSpec({ opset: 10, dims: [1, 2, 3, 4], scales: [1, 1, 2, 2], attrs: { mode: 'nearest' } }),
    opts: S,
  },
  {
    name: 'opset 10 form: linear with a downsampled axis',
    spec: resizeSpec({ opset: 10, dims: [1, 2, 5, 4], scales: [1, 1, 0.6, 2.3], attrs: { mode: 'linear' } }),
    opts: S,
  },
  {
    name: 'identity when no axis changes length',
    spec: resizeSpec({ opset: 13, dims: [1, 2, 3, 4], sizes: [1, 2, 3, 4], attrs: { mode: 'cubic' } }),
    opts: S,
  },
  {
    name: 'a U-Net decoder step: Conv, ×2 nearest upsampling, skip Concat, Conv (opset 11)',
    spec: {
      nodes: [
        node('Conv', ['x', 'w1'], ['c1'], { pads: [1, 1, 1, 1] }),
        node('Resize', ['c1', 'roi', 'scales'], ['up'], nearest('asymmetric', 'floor'), { name: 'resize' }),
        node('Concat', ['up', 'skip'], ['cat'], { axis: 1 }),
        node('Conv', ['cat', 'w2'], ['y'], { pads: [1, 1, 1, 1] }),
      ],
      params: { x: { dims: [1, 2, 4, 4] }, w1: { dims: [3, 2, 3, 3] }, skip: { dims: [1, 2, 8, 8] }, w2: { dims: [2, 5, 3, 3] } },
      constants: [floatTensor('roi', [0], []), floatTensor('scales', [4], [1, 1, 2, 2])],
      output: 'y',
      opsetVersion: 11,
    },
    opts: S,
  },
  {
    name: 'an FPN merge: bilinear upsampling to a lateral map given by sizes, then Add (opset 13)',
    spec: {
      nodes: [
        node('Resize', ['top', '', '', 'sizes'], ['up'], linear('half_pixel'), { name: 'resize' }),
        node('Add', ['up', 'lateral'], ['y']),
      ],
      params: { top: { dims: [1, 3, 3, 4] }, lateral: { dims: [1, 3, 6, 7] } },
      constants: [int64Tensor('sizes', [4], [1, 3, 6, 7])],
      output: 'y',
      opsetVersion: 13,
    },
    opts: S,
  },
];

/** Forms the TypeScript rule differentiates but the emitter refuses (keep_aspect_ratio_policy other than 'stretch'). */
export const policyCases: RuleCase[] = [
  {
    name: "keep_aspect_ratio_policy 'not_larger' with sizes on the listed axes (opset 18)",
    spec: resizeSpec({ opset: 18, dims: [1, 2, 5, 7], sizes: [10, 9], attrs: { ...linear('half_pixel'), axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' } }),
    opts: S,
  },
  {
    name: "keep_aspect_ratio_policy 'not_smaller', nearest (opset 18)",
    spec: resizeSpec({ opset: 18, dims: [1, 2, 5, 7], sizes: [1, 2, 10, 9], attrs: { ...nearest('asymmetric', 'floor'), keep_aspect_ratio_policy: 'not_smaller' } }),
    opts: S,
  },
];
