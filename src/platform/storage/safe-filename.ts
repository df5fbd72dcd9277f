/** The extension of a file name, lower-cased, without the dot ('' when there is none). */
export function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/**
 * A client-supplied file name made safe to store and send back: the last path segment, without control
 * characters, at most 255 characters; `fallback` when nothing is left.
 */
export function safeFilename(filename: string, fallback = 'attachment'): string {
  const base = (filename.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (base === '' || base === '.' || base === '..') return fallback;
  if (base.length <= 255) return base;
  const extension = extensionOf(base);
  return extension && extension.length < 20
    ? `${base.slice(0, 254 - extension.length)}.${extension}`
    : base.slice(0, 255);
}
