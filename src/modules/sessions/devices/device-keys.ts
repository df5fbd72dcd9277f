import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every device key: secret scanners and support recognise one at a glance. */
export const DEVICE_KEY_PREFIX = 'cdk_';

/** A new device key: 256 random bits. Only its SHA-256 is stored; the key is shown once. */
export function newDeviceKey(): string {
  return `${DEVICE_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Plain SHA-256 is enough: the key is random, so there is nothing to guess a dictionary from. */
export function deviceKeyHash(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** What lists show of a key: its first characters, never the rest. */
export function deviceKeyPrefix(key: string): string {
  return key.slice(0, DEVICE_KEY_PREFIX.length + 6);
}

export const DEVICE_KEY_SHAPE = /^cdk_[A-Za-z0-9_-]{43}$/;
