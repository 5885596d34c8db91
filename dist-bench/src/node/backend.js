/** onnxruntime-node as an edgetune Backend (CPU execution provider). */
import * as ort from 'onnxruntime-node';
export const nodeBackend = {
    platform: 'node',
    ort: ort,
    defaultProviders: ['cpu'],
    providers: ['cpu'],
    sessionOptions: () => ({ intraOpNumThreads: 0 }),
};
