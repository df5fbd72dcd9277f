import { createHash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { fromBuffer } from 'file-type';
import { DomainException } from '../../platform/http/domain-exception';
import { extensionOf, safeFilename } from '../../platform/storage/safe-filename';

/**
 * What an attachment may be, and how each kind is recognised. The type of a file is decided by its
 * content (magic numbers, through file-type), never by its name or the type the client claims; the
 * name's extension and the claimed type must then agree with the content, so an `.exe` renamed `.pdf`
 * is refused. Text has no magic number: a text type is accepted when the whole file is valid UTF-8
 * without NUL bytes and the extension says text.
 *
 * Legacy Office files (`.doc`, `.xls`) are deliberately absent: they are OLE compound files that
 * cannot be told apart by content (nor from other OLE files), and they are the classic macro carrier.
 */
export interface AttachmentType {
  mime: string;
  /** The file name extensions that may carry this type (lower case, no dot). */
  extensions: string[];
  /** Other media types clients send for it (browsers are not consistent). */
  aliases?: string[];
  /** Recognised as UTF-8 text rather than by a magic number. */
  text?: boolean;
}

export const ATTACHMENT_TYPES: readonly AttachmentType[] = [
  { mime: 'application/pdf', extensions: ['pdf'], aliases: ['application/x-pdf'] },
  { mime: 'image/png', extensions: ['png'] },
  { mime: 'image/jpeg', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'], aliases: ['image/jpg', 'image/pjpeg'] },
  { mime: 'image/gif', extensions: ['gif'] },
  { mime: 'image/webp', extensions: ['webp'] },
  { mime: 'text/plain', extensions: ['txt', 'text', 'log'], text: true },
  {
    mime: 'text/csv',
    extensions: ['csv'],
    // Windows browsers send Excel's type for .csv when Excel is installed; some clients say text/plain.
    aliases: [
      'application/csv',
      'text/x-csv',
      'text/comma-separated-values',
      'application/vnd.ms-excel',
      'text/plain',
    ],
    text: true,
  },
  { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extensions: ['docx'] },
  { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extensions: ['xlsx'] },
  // Known, but accepted only when ATTACHMENT_ALLOWED_TYPES names them.
  { mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', extensions: ['pptx'] },
  { mime: 'application/vnd.oasis.opendocument.text', extensions: ['odt'] },
  { mime: 'application/vnd.oasis.opendocument.spreadsheet', extensions: ['ods'] },
];

const BY_MIME = new Map(ATTACHMENT_TYPES.map((type) => [type.mime, type]));

/** A claimed type that says nothing (what clients send when they do not know). */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/** How many leading bytes are sniffed: enough for every magic number and the first zip entries of OOXML. */
export const SNIFF_BYTES = 64 * 1024;

/** The allow-list from configuration; a type the module cannot verify fails the boot, naming it. */
export function allowedAttachmentTypes(configured: string[]): ReadonlySet<string> {
  const unknown = configured.filter((mime) => !BY_MIME.has(mime));
  if (unknown.length > 0) {
    throw new Error(
      `ATTACHMENT_ALLOWED_TYPES names types that cannot be verified by content: ${unknown.join(', ')} ` +
        `(known: ${ATTACHMENT_TYPES.map((type) => type.mime).join(', ')})`,
    );
  }
  return new Set(configured);
}

export { extensionOf, safeFilename };

export type AttachmentVerdict =
  | { ok: true; type: AttachmentType }
  | { ok: false; code: 'attachment-type-not-allowed' | 'attachment-content-mismatch'; reason: string };

export interface AttachmentEvidence {
  filename: string;
  /** The part's Content-Type as the client sent it. */
  claimedType: string;
  /** What the magic numbers say, if anything. */
  sniffed: { ext: string; mime: string } | undefined;
  /** Whether the content seen so far is UTF-8 without NUL bytes. */
  textual: boolean;
  allowed: ReadonlySet<string>;
}

/** Decides what a file is from its content, and whether its name and claimed type agree. Pure. */
export function judgeAttachment(evidence: AttachmentEvidence): AttachmentVerdict {
  const extension = extensionOf(evidence.filename);
  const named = extension ? `.${extension}` : 'a name without an extension';
  const claimed = evidence.claimedType.split(';')[0].trim().toLowerCase();
  const allowedList = [...evidence.allowed].join(', ');

  let type: AttachmentType | undefined;
  // A file named as text whose bytes are text is text, whatever a short magic number (such as "BM" or
  // "MZ" at the start of a line) would suggest: it is stored and served as text/plain or text/csv.
  const textByName = ATTACHMENT_TYPES.find(
    (candidate) =>
      candidate.text && evidence.allowed.has(candidate.mime) && candidate.extensions.includes(extension),
  );
  if (textByName && evidence.textual) {
    type = textByName;
  } else if (evidence.sniffed) {
    type = BY_MIME.get(evidence.sniffed.mime);
    if (!type || !evidence.allowed.has(type.mime)) {
      return {
        ok: false,
        code: 'attachment-type-not-allowed',
        reason: `The file's content is ${evidence.sniffed.mime}, which is not accepted (accepted: ${allowedList})`,
      };
    }
  } else if (textByName) {
    return {
      ok: false,
      code: 'attachment-content-mismatch',
      reason: `The file is named ${named} but its content is not UTF-8 text`,
    };
  } else {
    return {
      ok: false,
      code: 'attachment-type-not-allowed',
      reason: `The file's content is not of an accepted type (accepted: ${allowedList})`,
    };
  }

  if (!type.extensions.includes(extension)) {
    return {
      ok: false,
      code: 'attachment-content-mismatch',
      reason: `The file's content is ${type.mime} but it is named ${named} (expected .${type.extensions.join(', .')})`,
    };
  }
  if (!GENERIC_TYPES.has(claimed) && claimed !== type.mime && !type.aliases?.includes(claimed)) {
    return {
      ok: false,
      code: 'attachment-content-mismatch',
      reason: `The file's content is ${type.mime} but it was sent as ${claimed}`,
    };
  }
  return { ok: true, type };
}

export interface InspectedAttachment {
  type: AttachmentType;
  sizeBytes: number;
  sha256: string;
}

function refusal(verdict: Extract<AttachmentVerdict, { ok: false }>): DomainException {
  return new DomainException('unsupported_media_type', verdict.code, verdict.reason, [
    { field: 'file', message: verdict.reason },
  ]);
}

/**
 * Passes an upload through while counting, hashing and judging it. Nothing reaches the destination
 * before the first SNIFF_BYTES (or the whole of a smaller file) are judged; it fails the stream, so the
 * storage keeps nothing, as soon as the file is too large, of a type not accepted, or unlike its name.
 */
export class AttachmentInspector extends Transform {
  private size = 0;
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headSize = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private textual = true;
  private verdict: Extract<AttachmentVerdict, { ok: true }> | undefined;
  private digest: string | undefined;

  constructor(
    private readonly options: {
      filename: string;
      claimedType: string;
      maxBytes: number;
      allowed: ReadonlySet<string>;
      sniffBytes?: number;
    },
  ) {
    super();
  }

  /** What the file turned out to be; only once the stream has ended without error. */
  get result(): InspectedAttachment {
    if (!this.verdict || this.digest === undefined)
      throw new Error('The attachment was not inspected to its end');
    return { type: this.verdict.type, sizeBytes: this.size, sha256: this.digest };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.options.maxBytes) {
      callback(
        new DomainException(
          'too_large',
          'attachment-too-large',
          `An attachment may be at most ${this.options.maxBytes} bytes`,
          [{ field: 'file', message: `larger than ${this.options.maxBytes} bytes` }],
        ),
      );
      return;
    }
    this.hash.update(chunk);
    this.readText(chunk, false);
    if (this.verdict) {
      callback(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headSize += chunk.length;
    if (this.headSize < (this.options.sniffBytes ?? SNIFF_BYTES)) {
      callback();
      return;
    }
    this.judgeHead().then(
      (head) => callback(null, head),
      (error: Error) => callback(error),
    );
  }

  override _flush(callback: TransformCallback): void {
    const finish = async (): Promise<void> => {
      this.readText(undefined, true);
      if (this.size === 0) {
        throw new DomainException('invalid_input', 'attachment-empty', 'The file is empty', [
          { field: 'file', message: 'has no content' },
        ]);
      }
      if (!this.verdict) this.push(await this.judgeHead());
      // Text was judged on its first bytes; the rest must be text as well.
      if (this.verdict!.type.text && !this.textual) {
        throw refusal({
          ok: false,
          code: 'attachment-content-mismatch',
          reason: `The file is named .${extensionOf(this.options.filename)} but its content is not UTF-8 text`,
        });
      }
      this.digest = this.hash.digest('hex');
    };
    finish().then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  private async judgeHead(): Promise<Buffer> {
    const head = Buffer.concat(this.head);
    this.head = [];
    const verdict = judgeAttachment({
      filename: this.options.filename,
      claimedType: this.options.claimedType,
      sniffed: await fromBuffer(head),
      textual: this.textual,
      allowed: this.options.allowed,
    });
    if (!verdict.ok) throw refusal(verdict);
    this.verdict = verdict;
    return head;
  }

  /** Tracks whether every byte so far is UTF-8 without NUL; a sequence split across chunks is fine. */
  private readText(chunk: Buffer | undefined, end: boolean): void {
    if (!this.textual) return;
    try {
      if (chunk && chunk.includes(0)) {
        this.textual = false;
        return;
      }
      this.utf8.decode(chunk, { stream: !end });
    } catch {
      this.textual = false;
    }
  }
}
