/**
 * Loading an OnnxModel from a path (with its external data) and saving one,
 * atomically, to a path. Saving a model that uses external data writes the
 * tensors to `<output name>.data` beside it, so the source's data file is
 * never overwritten.
 */
import * as path from 'node:path';
import { FileError } from '../errors.js';
import { OnnxModel } from '../model.js';
import { loadExternalStore } from '../onnx/external-data-node.js';
import { cloneModel, decodeModel, encodeModel } from '../onnx/model-io.js';
import { readTensor } from '../onnx/tensor-codec.js';
import { readFileBytes, writeFileAtomic } from './files.js';
export async function loadModelFile(file, opts = {}) {
    const bytes = await readFileBytes(file);
    const proto = decodeModel(bytes, file);
    const external = await loadExternalStore(proto.graph.initializer, file, opts.maxExternalBytes);
    return new OnnxModel(proto, file, external);
}
export async function loadModel(source, opts = {}) {
    return typeof source === 'string' ? loadModelFile(source, opts) : OnnxModel.fromBytes(source);
}
/** The bytes of the model file and, if it has external tensors, of its data file. */
export function serialize(model, outFile) {
    if (!model.external || !model.initializers.some((t) => t.data_location === 1))
        return { model: model.toBytes() };
    const copy = cloneModel(model.proto);
    const name = `${path.basename(outFile)}.data`;
    const originals = new Map(model.initializers.map((t) => [t.name, t]));
    const chunks = [];
    let offset = 0;
    for (const t of copy.graph.initializer) {
        if (t.data_location !== 1)
            continue;
        const d = readTensor(originals.get(t.name), model.external, model.file).data;
        const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        const pad = (64 - (offset % 64)) % 64;
        if (pad) {
            chunks.push(new Uint8Array(pad));
            offset += pad;
        }
        t.external_data = [
            { key: 'location', value: name }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(bytes.byteLength) },
        ];
        chunks.push(bytes);
        offset += bytes.byteLength;
    }
    const data = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
        data.set(c, at);
        at += c.byteLength;
    }
    return { model: encodeModel(copy), data: { name, bytes: data } };
}
/** Save atomically; refuses to overwrite the model's own source unless `inPlace`. */
export async function saveModel(model, outFile, opts = {}) {
    if (!opts.inPlace && path.resolve(outFile) === path.resolve(model.file)) {
        throw new FileError(outFile, 'is the input model; pass --in-place to overwrite it');
    }
    const out = serialize(model, outFile);
    if (out.data)
        await writeFileAtomic(path.join(path.dirname(outFile), out.data.name), out.data.bytes);
    await writeFileAtomic(outFile, out.model);
    decodeModel(out.model, outFile);
}
