/**
 * Typed errors. Each carries the context a user needs to act (file, node,
 * parameter) and a one-line message; the CLI prints `message` alone.
 */
export class EdgetuneError extends Error {
  constructor(message: string) {
    super(printable(message));
    // each class below names itself, since minifiers rename classes; a subclass that does not falls back to its class name
    this.name = new.target === EdgetuneError ? 'EdgetuneError' : new.target.name;
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
  override name = 'ModelFormatError';

  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
  }
}

/** Something the model declares is valid ONNX but not supported here. */
export class UnsupportedError extends EdgetuneError {
  override name = 'UnsupportedError';
}

/** Feeds, targets or options that do not fit the model. */
export class InputError extends EdgetuneError {
  override name = 'InputError';
}

/**
 * Ops on the gradient path have no rule. `missing` lists every such node (the
 * CLI's --json prints it whole); the message stays one short line: the
 * distinct op types with their counts and first node, and how many of the
 * trainable parameters they block.
 */
export class MissingRuleError extends EdgetuneError {
  override name = 'MissingRuleError';

  constructor(readonly missing: { opType: string; node: string; blocks: string[] }[], candidates?: number) {
    super(missingRuleMessage(missing, candidates));
  }
}

function missingRuleMessage(missing: { opType: string; node: string; blocks: string[] }[], candidates?: number): string {
  const byType = new Map<string, { count: number; first: string }>();
  for (const m of missing) {
    const e = byType.get(m.opType);
    if (e) e.count++;
    else byType.set(m.opType, { count: 1, first: m.node });
  }
  const blocked = new Set(missing.flatMap((m) => m.blocks)).size;
  const head = `no gradient rule for ${byType.size === 1 ? 'op' : `${byType.size} op types`} on the gradient path, blocking ${blocked}${candidates !== undefined ? ` of ${candidates}` : ''} trainable parameter${(candidates ?? blocked) === 1 ? '' : 's'}: `;
  const parts: string[] = [];
  let length = head.length;
  for (const [op, { count, first }] of byType) {
    const shortFirst = first.length > 60 ? `${first.slice(0, 57)}...` : first;
    const part = `${op} ×${count} (first: node ${shortFirst})`;
    if (length + part.length > 360 && parts.length > 0) {
      parts.push(`and ${byType.size - parts.length} more op types`);
      break;
    }
    parts.push(part);
    length += part.length + 2;
  }
  return head + parts.join(', ');
}

/** Training hit a numerical fault it could not recover from. */
export class NumericalError extends EdgetuneError {
  override name = 'NumericalError';
}

/** Reading or writing a file failed (disk full, read-only, missing). */
export class FileError extends EdgetuneError {
  override name = 'FileError';

  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
  }
}
