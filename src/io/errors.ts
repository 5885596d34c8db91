/**
 * Raised when bytes read from a file (or handed in as a buffer) do not follow
 * the format they claim to be: bad magic, inconsistent headers, sizes that do
 * not add up, unsupported variants. `file` names the source when known so the
 * message and the field agree on what is at fault.
 */
import { EdgetuneError } from '../errors.js';

export class FormatError extends EdgetuneError {
  override name = 'FormatError';
  readonly file?: string;

  constructor(message: string, file?: string) {
    super(file === undefined ? message : `${file}: ${message}`);
    if (file !== undefined) this.file = file;
  }
}
