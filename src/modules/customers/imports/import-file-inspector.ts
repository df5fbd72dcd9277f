import { Transform, TransformCallback } from 'node:stream';
import { fromBuffer as fileTypeFromBuffer } from 'file-type';
import { DomainException } from '../../../platform/http/domain-exception';

const SNIFF_BYTES = 4100;

/**
 * Watches an import file on its way to storage: refuses it when too large (413) or when its first bytes
 * show it is not text (a spreadsheet, an archive, an image: 415), and keeps those first bytes so the
 * format can be told from the content when neither the request nor the name says.
 */
export class ImportFileInspector extends Transform {
  size = 0;
  private headChunks: Buffer[] = [];
  private headSize = 0;
  private judged = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  get head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(
        new DomainException(
          'too_large',
          'import-file-too-large',
          `An import file may be at most ${this.maxBytes} bytes`,
          [{ field: 'file', message: `larger than ${this.maxBytes} bytes` }],
        ),
      );
      return;
    }
    if (this.judged) {
      callback(null, chunk);
      return;
    }
    this.headChunks.push(chunk);
    this.headSize += chunk.length;
    if (this.headSize < SNIFF_BYTES) {
      callback();
      return;
    }
    this.judge().then(
      () => callback(null, this.head),
      (error: Error) => callback(error),
    );
  }

  override _flush(callback: TransformCallback): void {
    if (this.size === 0) {
      callback(
        new DomainException('invalid_input', 'import-file-empty', 'The file is empty', [
          { field: 'file', message: 'has no content' },
        ]),
      );
      return;
    }
    if (this.judged) {
      callback();
      return;
    }
    this.judge().then(
      () => callback(null, this.head),
      (error: Error) => callback(error),
    );
  }

  private async judge(): Promise<void> {
    this.judged = true;
    const head = this.head;
    const type = await fileTypeFromBuffer(head);
    if (type || head.includes(0)) {
      throw new DomainException(
        'unsupported_media_type',
        'import-file-not-text',
        `Import files are CSV, JSON or NDJSON text; this one looks like ${type ? type.mime : 'binary data'}`,
        [{ field: 'file', message: 'is not a text file' }],
      );
    }
  }
}
