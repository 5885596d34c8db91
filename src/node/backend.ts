/** onnxruntime-node as an edgetune Backend (CPU execution provider). */
import * as ort from 'onnxruntime-node';
import type { Backend, OrtModule } from '../runtime/backend.js';

export const nodeBackend: Backend = {
  platform: 'node',
  ort: ort as unknown as OrtModule,
  defaultProviders: ['cpu'],
  providers: ['cpu'],
  // ONNX Runtime's warnings (shape hints it overrides, initializers it drops) are
  // not the user's business; its errors still surface as typed errors
  sessionOptions: () => ({ intraOpNumThreads: 0, logSeverityLevel: 3 }),
};
