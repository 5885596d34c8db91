/**
 * Decoding and encoding whole ModelProtos, with the checks that turn random or
 * damaged bytes into one clear error instead of a half-read model.
 */
import { ModelFormatError } from '../errors.js';
import protobuf from 'protobufjs';
import { ModelProtoType } from './schema.js';
import { num } from './types.js';
export const MIN_IR_VERSION = 3;
export const MAX_IR_VERSION = 10;
/** Default-domain opset versions this release runs (onnxruntime 1.30 supports up to 23). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 23;
function describe(e) {
    const msg = e instanceof Error ? e.message : String(e);
    return msg.split('\n')[0].slice(0, 200);
}
/** Decode, keeping fields this schema does not know (a newer ONNX's) so re-encoding writes them back. */
function decodeKeepingUnknown(bytes) {
    const reader = protobuf.Reader.create(bytes);
    reader.discardUnknown = false;
    return ModelProtoType.decode(reader);
}
/** Decode bytes into a ModelProto and check the fields everything else relies on. */
export function decodeModel(bytes, file = '<bytes>') {
    if (bytes.byteLength === 0)
        throw new ModelFormatError(file, 'file is empty, not an ONNX model');
    let m;
    try {
        m = decodeKeepingUnknown(bytes);
    }
    catch (e) {
        throw new ModelFormatError(file, `not a valid ONNX model (protobuf decoding failed: ${describe(e)})`);
    }
    validateModel(m, file);
    return m;
}
export function validateModel(m, file) {
    if (!Object.prototype.hasOwnProperty.call(m, 'ir_version'))
        throw new ModelFormatError(file, 'not an ONNX model (no ir_version)');
    const ir = num(m.ir_version);
    if (ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
        throw new ModelFormatError(file, `IR version ${ir} is out of the supported range ${MIN_IR_VERSION}–${MAX_IR_VERSION}`);
    }
    if (!m.graph)
        throw new ModelFormatError(file, 'model has no graph');
    const def = m.opset_import.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
    if (!def)
        throw new ModelFormatError(file, 'model imports no default-domain opset');
    const v = num(def.version);
    if (v < MIN_OPSET || v > MAX_OPSET)
        throw new ModelFormatError(file, `opset ${v} is out of the supported range ${MIN_OPSET}–${MAX_OPSET}`);
}
/** Encode a ModelProto; fields are written in field-number order as the reference serializer does. */
export function encodeModel(m) {
    return ModelProtoType.encode(m).finish();
}
/** A deep copy made by a round trip through the wire format. */
export function cloneModel(m) {
    return decodeKeepingUnknown(encodeModel(m));
}
/** The default-domain opset version a model imports. */
export function defaultOpset(m) {
    const def = m.opset_import.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
    return num(def?.version);
}
