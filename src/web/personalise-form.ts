/**
 * Input checks of the personalisation page, each answering with the message
 * shown beside the control (undefined when the input is fine), and the
 * helper that shows it there. The checks use no DOM, so Node tests run them.
 */

export interface NumberField {
  /** the control's name in messages */
  label: string;
  min: number;
  max: number;
  integer: boolean;
}

export const STEPS: NumberField = { label: 'Steps', min: 1, max: 5000, integer: true };
export const BATCH: NumberField = { label: 'Batch', min: 1, max: 256, integer: true };
export const LEARNING_RATE: NumberField = { label: 'Learning rate', min: 0.000001, max: 1, integer: false };

export const MAX_CLASSES = 20;
export const MAX_NAME = 40;

function show(v: number): string {
  return v < 0.001 ? v.toFixed(6) : String(v);
}

/** The number typed into a field, or the message saying what it must be. */
export function checkNumber(raw: string, f: NumberField): { value: number } | { message: string } {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < f.min || v > f.max || (f.integer && !Number.isInteger(v))) {
    return { message: `${f.label} must be ${f.integer ? 'a whole number' : 'a number'} from ${show(f.min)} to ${show(f.max)}` };
  }
  return { value: v };
}

export interface ClassInput {
  name: string;
  images: number;
}

export interface ClassCheck {
  /** per class: what is wrong with it, or undefined */
  perClass: (string | undefined)[];
  /** what is wrong with the list as a whole (too few or too many classes), or undefined */
  list?: string;
}

/** A class name's problem: empty, too long, or the same as an earlier class's (ignoring case and spaces at the ends). */
export function checkName(name: string, earlier: readonly string[]): string | undefined {
  const n = name.trim();
  if (n === '') return 'Give this class a name';
  if (n.length > MAX_NAME) return `A class name has at most ${MAX_NAME} characters`;
  if (earlier.some((e) => e.trim().toLowerCase() === n.toLowerCase())) return `Another class is already called '${n}'`;
  return undefined;
}

/** What stops these classes from training: at least 2 classes, each named uniquely and holding an image. */
export function checkClasses(classes: readonly ClassInput[]): ClassCheck {
  const perClass = classes.map((c, k) => checkName(c.name, classes.slice(0, k).map((e) => e.name)) ?? (c.images === 0 ? 'Add at least one image to this class' : undefined));
  const list = classes.length < 2 ? `Add at least 2 classes to train (there ${classes.length === 1 ? 'is 1' : `are ${classes.length}`})`
    : classes.length > MAX_CLASSES ? `At most ${MAX_CLASSES} classes` : undefined;
  return { perClass, ...(list ? { list } : {}) };
}

/**
 * Show `message` in the element `msg` beside `control` (or clear it), and
 * mark the control invalid for assistive technology and the styles.
 */
export function showMessage(msg: HTMLElement, message: string | undefined, control?: HTMLElement): void {
  msg.textContent = message ?? '';
  msg.hidden = message === undefined;
  if (control) {
    if (message === undefined) control.removeAttribute('aria-invalid');
    else control.setAttribute('aria-invalid', 'true');
  }
}
