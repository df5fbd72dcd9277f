import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainException } from '../../platform/http/domain-exception';
import {
  allowedAttachmentTypes,
  AttachmentInspector,
  extensionOf,
  judgeAttachment,
  safeFilename,
} from './ticket-attachment-types';

const DEFAULTS = allowedAttachmentTypes([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'text/plain',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
]);
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const PDF = Buffer.from(
  '%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
);
const EXE = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.alloc(62),
  Buffer.from('This program cannot be run in DOS mode'),
]);
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A zip of stored (uncompressed) entries: enough local headers for content sniffing. */
function storedZip(entries: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(entries)) {
    const data = Buffer.from(content);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(Buffer.byteLength(name), 26);
    parts.push(header, Buffer.from(name), data);
  }
  return Buffer.concat(parts);
}

const DOCX_BYTES = storedZip({
  '[Content_Types].xml': '<?xml version="1.0"?><Types/>',
  '_rels/.rels': '<?xml version="1.0"?><Relationships/>',
  'word/document.xml': '<?xml version="1.0"?><w:document/>',
});

describe('judgeAttachment', () => {
  const judge = (
    filename: string,
    claimedType: string,
    sniffed: { ext: string; mime: string } | undefined,
    textual = false,
  ) => judgeAttachment({ filename, claimedType, sniffed, textual, allowed: DEFAULTS });
  const pdf = { ext: 'pdf', mime: 'application/pdf' };

  it('accepts content that matches its name and claimed type, whatever the case of the extension', () => {
    expect(judge('invoice.PDF', 'application/pdf', pdf)).toMatchObject({
      ok: true,
      type: { mime: 'application/pdf' },
    });
    expect(judge('photo.jpeg', 'image/jpg', { ext: 'jpg', mime: 'image/jpeg' })).toMatchObject({ ok: true });
  });

  it('takes a generic claimed type as no claim at all', () => {
    expect(judge('invoice.pdf', 'application/octet-stream', pdf)).toMatchObject({ ok: true });
    expect(judge('invoice.pdf', '', pdf)).toMatchObject({ ok: true });
  });

  it('refuses an executable renamed .pdf and sent as a PDF', () => {
    expect(judge('invoice.pdf', 'application/pdf', { ext: 'exe', mime: 'application/x-msdownload' })).toEqual(
      {
        ok: false,
        code: 'attachment-type-not-allowed',
        reason: expect.stringContaining('application/x-msdownload'),
      },
    );
  });

  it('refuses an accepted type under another extension or another claimed type', () => {
    expect(judge('photo.jpg', 'image/jpeg', { ext: 'png', mime: 'image/png' })).toMatchObject({
      ok: false,
      code: 'attachment-content-mismatch',
    });
    expect(judge('invoice.pdf', 'image/png', pdf)).toMatchObject({
      ok: false,
      code: 'attachment-content-mismatch',
    });
    expect(judge('invoice', 'application/pdf', pdf)).toMatchObject({
      ok: false,
      code: 'attachment-content-mismatch',
    });
  });

  it('refuses a type it knows but the configuration does not accept', () => {
    const pptx = {
      ext: 'pptx',
      mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    };
    expect(judge('deck.pptx', '', pptx)).toMatchObject({ ok: false, code: 'attachment-type-not-allowed' });
  });

  it('accepts text only when the name says text and the bytes are text', () => {
    expect(judge('notes.txt', 'text/plain', undefined, true)).toMatchObject({
      ok: true,
      type: { mime: 'text/plain' },
    });
    expect(judge('export.csv', 'application/vnd.ms-excel', undefined, true)).toMatchObject({
      ok: true,
      type: { mime: 'text/csv' },
    });
    expect(judge('notes.txt', 'text/plain', undefined, false)).toMatchObject({
      ok: false,
      code: 'attachment-content-mismatch',
    });
    // Text without a text name has nothing to go by.
    expect(judge('notes.pdf', 'application/pdf', undefined, true)).toMatchObject({
      ok: false,
      code: 'attachment-type-not-allowed',
    });
    expect(judge('notes.txt', 'application/pdf', undefined, true)).toMatchObject({
      ok: false,
      code: 'attachment-content-mismatch',
    });
  });

  it('keeps text whose first letters look like a magic number as text', () => {
    expect(judge('models.csv', 'text/csv', { ext: 'bmp', mime: 'image/bmp' }, true)).toMatchObject({
      ok: true,
      type: { mime: 'text/csv' },
    });
    expect(judge('models.csv', 'text/csv', { ext: 'bmp', mime: 'image/bmp' }, false)).toMatchObject({
      ok: false,
      code: 'attachment-type-not-allowed',
    });
  });

  it('refuses content it cannot recognise', () => {
    expect(judge('data.bin', '', undefined, false)).toMatchObject({
      ok: false,
      code: 'attachment-type-not-allowed',
    });
  });
});

describe('allowedAttachmentTypes', () => {
  it('refuses, by name, a configured type that cannot be verified by content', () => {
    expect(() => allowedAttachmentTypes(['application/pdf', 'application/msword'])).toThrow(
      /cannot be verified by content: application\/msword/,
    );
  });
});

describe('file names', () => {
  it('finds the extension of the last path segment', () => {
    expect(extensionOf('a/b/Report.Final.PDF')).toBe('pdf');
    expect(extensionOf('C:\\Users\\x\\notes.txt')).toBe('txt');
    expect(extensionOf('README')).toBe('');
    expect(extensionOf('.bashrc')).toBe('');
  });

  it('keeps the base name without control characters, short, never empty', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('a\u0000b\r\n.pdf')).toBe('ab.pdf');
    expect(safeFilename('')).toBe('attachment');
    expect(safeFilename('..')).toBe('attachment');
    const long = safeFilename(`${'x'.repeat(400)}.pdf`);
    expect(long).toHaveLength(255);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});

describe('AttachmentInspector', () => {
  /** Runs chunks through an inspector; answers what came out and how it ended. */
  async function inspect(
    chunks: Buffer[],
    options: { filename: string; claimedType?: string; maxBytes?: number; sniffBytes?: number },
  ) {
    const inspector = new AttachmentInspector({
      filename: options.filename,
      claimedType: options.claimedType ?? '',
      maxBytes: options.maxBytes ?? 1_000_000,
      allowed: DEFAULTS,
      sniffBytes: options.sniffBytes,
    });
    const out: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out.push(chunk);
        done();
      },
    });
    let error: unknown;
    await pipeline(Readable.from(chunks), inspector, sink).catch((caught: unknown) => {
      error = caught;
    });
    return { out: Buffer.concat(out), error, inspector };
  }

  it('passes a file through unchanged, with its size, hash and type', async () => {
    const { out, error, inspector } = await inspect([PDF.subarray(0, 10), PDF.subarray(10)], {
      filename: 'a.pdf',
      sniffBytes: 16,
    });
    expect(error).toBeUndefined();
    expect(out.equals(PDF)).toBe(true);
    expect(inspector.result).toEqual({
      type: expect.objectContaining({ mime: 'application/pdf' }),
      sizeBytes: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
    });
  });

  it('recognises images and OOXML documents by content', async () => {
    const png = await inspect([PNG], { filename: 'dot.png', claimedType: 'image/png' });
    expect(png.inspector.result.type.mime).toBe('image/png');
    const docx = await inspect([DOCX_BYTES], { filename: 'letter.docx' });
    expect(docx.inspector.result.type.mime).toBe(DOCX);
    // The same zip under a spreadsheet's name is not what it claims to be.
    const renamed = await inspect([DOCX_BYTES], { filename: 'letter.xlsx' });
    expect(renamed.error).toMatchObject({ code: 'attachment-content-mismatch' });
  });

  it('lets nothing of a disguised executable through', async () => {
    const { out, error } = await inspect([EXE], { filename: 'invoice.pdf', claimedType: 'application/pdf' });
    expect(error).toBeInstanceOf(DomainException);
    expect(error).toMatchObject({ kind: 'unsupported_media_type', code: 'attachment-type-not-allowed' });
    expect(out.length).toBe(0);
  });

  it('fails as soon as the file passes the limit', async () => {
    const source = new PassThrough();
    const inspector = new AttachmentInspector({
      filename: 'a.txt',
      claimedType: 'text/plain',
      maxBytes: 10,
      allowed: DEFAULTS,
    });
    const done = pipeline(source, inspector, new PassThrough().resume());
    source.write(Buffer.from('0123456789'));
    source.write(Buffer.from('x'));
    await expect(done).rejects.toMatchObject({ kind: 'too_large', code: 'attachment-too-large' });
  });

  it('accepts UTF-8 text whose characters are split across chunks', async () => {
    const text = Buffer.from('naïve café, 東京\n'.repeat(50));
    const chunks = [text.subarray(0, 3), text.subarray(3, 701), text.subarray(701)];
    const { error, inspector } = await inspect(chunks, { filename: 'notes.txt', sniffBytes: 64 });
    expect(error).toBeUndefined();
    expect(inspector.result.type.mime).toBe('text/plain');
  });

  it('refuses a text file whose later bytes are not text', async () => {
    const chunks = [Buffer.from('a,b,c\n'.repeat(20)), Buffer.from([0x61, 0x00, 0x62]), Buffer.from('end\n')];
    const { error } = await inspect(chunks, { filename: 'export.csv', sniffBytes: 32 });
    expect(error).toMatchObject({ code: 'attachment-content-mismatch' });
    const truncated = await inspect([Buffer.from('abc'), Buffer.from([0xe6, 0x9d])], {
      filename: 'notes.txt',
      sniffBytes: 2,
    });
    expect(truncated.error).toMatchObject({ code: 'attachment-content-mismatch' });
  });

  it('refuses an empty file', async () => {
    const { error } = await inspect([], { filename: 'empty.txt' });
    expect(error).toMatchObject({ kind: 'invalid_input', code: 'attachment-empty' });
  });
});
