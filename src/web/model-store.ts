/**
 * Keeping .onnx bytes in the browser across reloads (IndexedDB), under a key,
 * with a little metadata: when it was saved and a caller's note.
 */
import { EdgetuneError } from '../errors.js';

/** IndexedDB is missing or refused a request. */
export class StorageError extends EdgetuneError {
  override name = 'StorageError';
}

const DB = 'edgetune';
const STORE = 'models';

export interface StoredModel {
  key: string;
  bytes: Uint8Array;
  savedAt: number;
  note: Record<string, unknown>;
}

function request<T>(r: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new StorageError(`IndexedDB ${what} failed (${r.error?.message ?? 'unknown error'})`));
  });
}

async function open(): Promise<IDBDatabase> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) throw new StorageError('IndexedDB is not available in this context');
  const r = idb.open(DB, 1);
  r.onupgradeneeded = () => {
    if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE, { keyPath: 'key' });
  };
  return request(r, `opening database '${DB}'`);
}

async function withStore<T>(mode: IDBTransactionMode, what: string, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await request(f(db.transaction(STORE, mode).objectStore(STORE)), what);
  } finally {
    db.close();
  }
}

/** Save bytes under `key`, replacing what was there. */
export async function saveStoredModel(key: string, bytes: Uint8Array, note: Record<string, unknown> = {}): Promise<StoredModel> {
  const entry: StoredModel = { key, bytes: bytes.slice(), savedAt: Date.now(), note };
  await withStore('readwrite', `saving '${key}'`, (s) => s.put(entry));
  return entry;
}

/** The bytes saved under `key`, or undefined. */
export async function loadStoredModel(key: string): Promise<StoredModel | undefined> {
  const found = await withStore<StoredModel | undefined>('readonly', `reading '${key}'`, (s) => s.get(key));
  return found && found.bytes instanceof Uint8Array ? found : undefined;
}

/** Forget what is saved under `key`. */
export async function deleteStoredModel(key: string): Promise<void> {
  await withStore('readwrite', `deleting '${key}'`, (s) => s.delete(key));
}
