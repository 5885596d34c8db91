/**
 * Loading external data files from disk for a model file, with the checks
 * that keep a hostile model inside its own folder: every location is
 * relative, resolves (after following links) inside the model's folder, is a
 * regular file, and its declared sizes fit the file and the configured limit —
 * all before anything is read.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ModelFormatError } from '../errors.js';
import { DEFAULT_MAX_EXTERNAL_BYTES, externalInfo, MemoryExternalStore } from './external-data.js';
export async function loadExternalStore(tensors, modelFile, maxBytes = DEFAULT_MAX_EXTERNAL_BYTES) {
    const external = tensors.filter((t) => t.data_location === 1);
    if (external.length === 0)
        return undefined;
    const dir = await fs.realpath(path.dirname(path.resolve(modelFile)));
    const files = new Map();
    let total = 0;
    for (const t of external) {
        const info = externalInfo(t, modelFile);
        if (files.has(info.location))
            continue;
        const where = `${modelFile}: initializer '${t.name ?? ''}'`;
        const target = path.join(dir, ...info.location.split('/'));
        let real;
        try {
            real = await fs.realpath(target);
        }
        catch {
            throw new ModelFormatError(where, `external data file '${info.location}' does not exist`);
        }
        if (real !== dir && !real.startsWith(dir + path.sep)) {
            throw new ModelFormatError(where, `external data file '${info.location}' links outside the model's folder`);
        }
        const stat = await fs.stat(real);
        if (!stat.isFile())
            throw new ModelFormatError(where, `external data '${info.location}' is not a regular file`);
        total += stat.size;
        if (total > maxBytes)
            throw new ModelFormatError(where, `external data exceeds the ${maxBytes}-byte limit`);
        files.set(info.location, new Uint8Array(await fs.readFile(real)));
    }
    return new MemoryExternalStore(files, modelFile);
}
