/**
 * edgetune.labels and edgetune.preprocess: written into metadata_props,
 * read back from the saved bytes, defaults filled in, and every malformed
 * value refused with an InputError naming the file and the key.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import {
  channelCount, deleteMetadata, LABELS_KEY, PREPROCESS_KEY, readLabels, readMetadata, readPreprocess, writeLabels, writeMetadata, writePreprocess,
} from '../src/model-metadata.js';
import { OnnxModel } from '../src/model.js';

const LENET5 = new URL('../models/lenet5.onnx', import.meta.url);
const lenet = (file = 'lenet5.onnx') => OnnxModel.fromBytes(readFileSync(LENET5), file);
const reload = (m: OnnxModel) => OnnxModel.fromBytes(m.toBytes(), 'saved.onnx');

describe('model metadata', () => {
  it('labels round-trip through the saved bytes, in index order, under edgetune.labels', () => {
    const m = lenet();
    expect(readLabels(m)).toBeUndefined();
    const names = ['cat', 'dog', '10', '2', 'ünïcode "quoted"'];
    writeLabels(m, names);
    const back = reload(m);
    expect(readLabels(back)).toEqual(names);
    expect(JSON.parse(readMetadata(back, LABELS_KEY)!)).toEqual(names);
    writeLabels(back, ['a', 'b']);
    expect(back.proto.metadata_props.filter((p) => p.key === LABELS_KEY)).toHaveLength(1);
    expect(readLabels(back.proto)).toEqual(['a', 'b']);
  });

  it('preprocessing round-trips with the defaults filled in; one mean or std serves every channel', () => {
    const m = lenet();
    expect(readPreprocess(m)).toBeUndefined();
    const written = writePreprocess(m, { size: [28, 28], channels: 'gray', mean: 0.1307, std: [0.3081] });
    const want = { size: [28, 28], layout: 'NCHW', channels: 'gray', scale: 1 / 255, mean: [0.1307], std: [0.3081], resize: 'stretch' };
    expect(written).toEqual(want);
    expect(readPreprocess(reload(m))).toEqual(want);
    const full = { size: [224, 160] as [number, number], layout: 'NHWC' as const, channels: 'BGR' as const, scale: 1, mean: [103.9, 116.8, 123.7], std: [1, 1, 1], resize: 'center-crop' as const };
    writePreprocess(m, full);
    expect(readPreprocess(reload(m))).toEqual(full);
    writePreprocess(m, { size: [8, 8], channels: 'RGB', std: 0.5 });
    expect(readPreprocess(m)!.std).toEqual([0.5, 0.5, 0.5]);
    expect(channelCount('gray')).toBe(1);
  });

  it('writing keeps the other metadata entries and their order', () => {
    const m = lenet();
    writeMetadata(m, 'a', '1');
    writeLabels(m, ['x']);
    writeMetadata(m, 'b', '2');
    writeLabels(m, ['y']);
    expect(m.proto.metadata_props.map((p) => p.key)).toEqual(['a', LABELS_KEY, 'b']);
    expect(deleteMetadata(m, 'a')).toBe(true);
    expect(deleteMetadata(m, 'a')).toBe(false);
  });

  const badLabels: [string, RegExp][] = [
    ['not json', /'edgetune.labels' is not valid JSON/],
    ['{"a":1}', /'edgetune.labels' must be a JSON array of class names/],
    ['[]', /'edgetune.labels' holds no class names/],
    ['["a", 3]', /'edgetune.labels' entry 1 is 3, not a string/],
  ];
  it.each(badLabels)('labels %s are refused naming the key', (raw, message) => {
    const m = lenet('bad.onnx');
    writeMetadata(m, LABELS_KEY, raw);
    expect(() => readLabels(m)).toThrow(InputError);
    expect(() => readLabels(m)).toThrow(message);
    expect(() => readLabels(m)).toThrow(/^bad\.onnx: metadata/);
  });

  const badPreprocess: [string, RegExp][] = [
    ['{', /is not valid JSON/],
    ['[1]', /must be a JSON object/],
    ['{"channels":"RGB"}', /field 'size' must be \[height, width\]/],
    ['{"size":[0,3],"channels":"RGB"}', /field 'size'/],
    ['{"size":[2.5,3],"channels":"RGB"}', /field 'size'/],
    ['{"size":[4,4]}', /field 'channels' must be "RGB" or "BGR" or "gray", got nothing/],
    ['{"size":[4,4],"channels":"rgb"}', /field 'channels'/],
    ['{"size":[4,4],"channels":"RGB","layout":"CHW"}', /field 'layout' must be "NCHW" or "NHWC"/],
    ['{"size":[4,4],"channels":"RGB","mean":[1,2]}', /field 'mean' must be 1 or 3 finite numbers/],
    ['{"size":[4,4],"channels":"gray","std":[0]}', /field 'std' must not hold a zero/],
    ['{"size":[4,4],"channels":"gray","scale":"1/255"}', /field 'scale' must be a finite non-zero number/],
    ['{"size":[4,4],"channels":"gray","resize":"nearest"}', /field 'resize' must be "stretch" or "center-crop"/],
    ['{"size":[4,4],"channels":"gray","crop":true}', /unknown field 'crop'/],
  ];
  it.each(badPreprocess)('preprocessing %s is refused naming the key', (raw, message) => {
    const m = lenet('bad.onnx');
    writeMetadata(m, PREPROCESS_KEY, raw);
    expect(() => readPreprocess(m)).toThrow(InputError);
    expect(() => readPreprocess(m)).toThrow(message);
    expect(() => readPreprocess(m)).toThrow(/^bad\.onnx: metadata 'edgetune\.preprocess' /);
  });

  it('writing checks too, and leaves the model unchanged when refused', () => {
    const m = lenet();
    expect(() => writePreprocess(m, { size: [4, 4], channels: 'RGB', mean: [1, 2] })).toThrow(InputError);
    expect(() => writeLabels(m, [1 as unknown as string])).toThrow(InputError);
    expect(m.proto.metadata_props).toEqual([]);
  });
});
