import { Transform, TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;

/**
 * Turns one JSON object per line (as COPY writes them) into a JSON array, chunk by chunk, without ever
 * holding more than a chunk. JSON text has no raw newline, so every newline ends a row.
 */
export class JsonLinesToArray extends Transform {
  private started = false;
  private rows = 0;
  /** A row has begun in an earlier chunk and not ended yet. */
  private midRow = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(Buffer.from('[\n'));
      this.started = true;
    }
    const emit = (segment: Buffer) => {
      if (segment.length === 0) return;
      if (!this.midRow && this.rows > 0) parts.push(Buffer.from(',\n'));
      parts.push(segment);
      this.midRow = true;
    };
    let start = 0;
    for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
      emit(chunk.subarray(start, index));
      if (this.midRow) {
        this.rows += 1;
        this.midRow = false;
      }
      start = index + 1;
    }
    emit(chunk.subarray(start));
    callback(null, Buffer.concat(parts));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, Buffer.from(this.started ? '\n]\n' : '[]\n'));
  }
}

/** Counts the bytes that pass. */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
