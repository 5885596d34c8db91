/**
 * Typed errors. Each carries the context a user needs to act (file, node,
 * parameter) and a one-line message; the CLI prints `message` alone.
 */
export class EdgetuneError extends Error {
  constructor(message: string) {
    super(printable(message));
    this.name = new.target.name;
  }
}

/**
 * Text with every control character (line breaks, terminal escape sequences)
 * written as a visible escape (\n, \u001b), so names taken from a hostile
 * file can neither break a message onto several lines nor drive the terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The bytes are not a valid ONNX model, or a field in it is out of range. */
export class ModelFormatError extends EdgetuneError {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
  }
}

/** Something the model declares is valid ONNX but not supported here. */
export class UnsupportedError extends EdgetuneError {}

/** Feeds, targets or options that do not fit the model. */
export class InputError extends EdgetuneError {}

/** An op on the gradient path has no rule (lists every such node). */
export class MissingRuleError extends EdgetuneError {
  constructor(readonly missing: { opType: string; node: string; blocks: string[] }[]) {
    super(
      'no gradient rule for ' +
        missing.map((m) => `${m.opType} (node ${m.node}, blocks ${m.blocks.join(', ')})`).join('; '),
    );
  }
}

/** Training hit a numerical fault it could not recover from. */
export class NumericalError extends EdgetuneError {}

/** Reading or writing a file failed (disk full, read-only, missing). */
export class FileError extends EdgetuneError {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
  }
}
