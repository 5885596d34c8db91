/**
 * The part of ONNX Runtime's JavaScript API edgetune uses. onnxruntime-node and
 * onnxruntime-web both export it (through onnxruntime-common); the node and web
 * adapters hand their module over as a Backend.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: typeof Tensor;
}

export interface Backend {
  /** 'node' or 'web' */
  readonly platform: string;
  readonly ort: OrtModule;
  /** execution providers tried in order when the caller names none */
  readonly defaultProviders: readonly string[];
  /** execution providers this backend knows */
  readonly providers: readonly string[];
  /** extra session options for a provider (e.g. WebGL's fixed shapes) */
  sessionOptions?(provider: string): InferenceSession.SessionOptions;
  /**
   * Free array buffers' memory now rather than at the collector's next
   * pass, leaving them detached (length 0). Session.runRaw hands it the
   * copies onnxruntime-node makes of outputs it has already written into the
   * caller's arrays, which nothing else can read.
   */
  releaseBuffers?(buffers: ArrayBuffer[]): void;
}

export type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
