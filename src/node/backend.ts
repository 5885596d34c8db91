/** onnxruntime-node as an edgetune Backend (CPU execution provider). */
import * as ort from 'onnxruntime-node';
import type { Backend, OrtModule } from '../runtime/backend.js';

export const nodeBackend: Backend = {
  platform: 'node',
  ort: ort as unknown as OrtModule,
  defaultProviders: ['cpu'],
  providers: ['cpu'],
  sessionOptions: () => ({ intraOpNumThreads: 0 }),
};
