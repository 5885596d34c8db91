/** Typed access to a node's attributes, with ONNX defaults supplied by the caller. */
import { InputError } from '../errors.js';
import { AttributeType, num, type Attribute, type NodeProto, type TensorProto } from '../onnx/types.js';

const dec = new TextDecoder();

export class Attrs {
  private readonly map: Map<string, Attribute>;

  constructor(private readonly node: NodeProto) {
    this.map = new Map(node.attribute.map((a) => [a.name ?? '', a]));
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  private get(name: string, type: number): Attribute | undefined {
    const a = this.map.get(name);
    if (a && a.type !== undefined && a.type !== type) {
      throw new InputError(`node '${this.node.name ?? ''}' (${this.node.op_type}): attribute '${name}' has the wrong type`);
    }
    return a;
  }

  int(name: string, dflt: number): number {
    const a = this.get(name, AttributeType.INT);
    return a ? num(a.i) : dflt;
  }

  float(name: string, dflt: number): number {
    const a = this.get(name, AttributeType.FLOAT);
    return a ? a.f ?? 0 : dflt;
  }

  string(name: string, dflt: string): string {
    const a = this.get(name, AttributeType.STRING);
    return a?.s ? dec.decode(a.s) : dflt;
  }

  ints(name: string, dflt: number[]): number[] {
    const a = this.get(name, AttributeType.INTS);
    return a ? a.ints.map((v) => num(v)) : dflt;
  }

  floats(name: string, dflt: number[]): number[] {
    const a = this.get(name, AttributeType.FLOATS);
    return a ? [...a.floats] : dflt;
  }

  tensor(name: string): TensorProto | undefined {
    return this.get(name, AttributeType.TENSOR)?.t;
  }
}
