import type { Readable } from 'node:stream';

/** Thrown by `get` when no object has the key. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No stored object has key ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * Where files (ticket attachments, later statements and exports) are kept: a flat key space of
 * immutable objects. Keys are made by the caller from safe characters (`[A-Za-z0-9._/-]`, no `..`).
 * The driver is chosen by STORAGE_DRIVER (see StorageModule).
 */
export abstract class ObjectStorage {
  /**
   * Stores the stream's bytes under the key. Resolves once they are durably stored; when the stream
   * fails (the caller may destroy it to refuse the content), rejects and leaves nothing behind.
   */
  abstract put(key: string, body: Readable): Promise<void>;

  /** The object's bytes; rejects with ObjectNotFoundError when there is none. */
  abstract get(key: string): Promise<Readable>;

  /** Removes the object; removing a missing one is not an error. */
  abstract delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Refuses keys that could escape the store's root (`..`, absolute paths, odd characters). */
export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
    throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
  }
}
