import { pipeline, Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { parser as jsonParser } from 'stream-json';
import JsonlParser from 'stream-json/jsonl/Parser';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { checkRecord, HeaderPlan, planHeader, presenceOfObject, StagedRecord } from './import-record';

export type ImportFormat = 'csv' | 'json' | 'ndjson';

/** One data row of a file: its 1-based position among the rows, and the line it starts on (CSV, NDJSON). */
export interface ParsedRow {
  row: number;
  line: number | null;
  record: StagedRecord;
}

/** A file we cannot read as a whole (malformed CSV quoting, broken JSON, no customer header). */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

export interface FileLayout {
  delimiter?: string;
  columns?: string[];
  ignored?: string[];
}

const HEAD_BYTES = 64 * 1024;
const MAX_RECORD_BYTES = 1024 * 1024;
const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The delimiter of a CSV file, from its header line: whichever of comma, semicolon or tab occurs most
 * outside quotes (a comma on a tie). Spreadsheets in many European locales write semicolons.
 */
export function sniffDelimiter(sample: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of sample) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > (counts.get(best) ?? 0)) best = delimiter;
  return best;
}

/** Reads the first bytes (up to a line end or 64 KiB) and gives them back with a stream of the whole. */
async function peek(stream: Readable): Promise<{ head: Buffer; whole: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < HEAD_BYTES && !chunks.some((chunk) => chunk.includes(10))) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    yield head;
    if (ended) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head, whole: Readable.from(rest(), { objectMode: false }) };
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** JSON array or NDJSON, by the first character that is not white space. */
export function jsonFlavour(head: Buffer): 'json' | 'ndjson' {
  return withoutBom(head.toString('utf8')).trimStart().startsWith('[') ? 'json' : 'ndjson';
}

/**
 * The rows of a customer file, streamed: CSV through csv-parse (BOM, quotes, embedded delimiters and
 * newlines, sniffed delimiter), JSON arrays and NDJSON through stream-json. Each row is checked as it
 * passes; only file-level problems throw (ImportFileError).
 */
export async function readImportFile(
  stream: Readable,
  format: ImportFormat,
  layout: FileLayout = {},
): Promise<AsyncIterable<ParsedRow>> {
  const { head, whole } = await peek(stream);
  if (format === 'csv') return csvRows(whole, head, layout);
  return jsonRows(whole, jsonFlavour(head));
}

async function* csvRows(stream: Readable, head: Buffer, layout: FileLayout): AsyncGenerator<ParsedRow> {
  const delimiter = sniffDelimiter(withoutBom(head.toString('utf8')));
  layout.delimiter = delimiter;
  const parser = pipeline(
    stream,
    parseCsv({
      bom: true,
      delimiter,
      info: true,
      relax_column_count: true,
      max_record_size: MAX_RECORD_BYTES,
    }),
    () => undefined,
  );
  let plan: HeaderPlan | undefined;
  let lastLine = 0;
  let row = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const line = lastLine + 1;
      lastLine = info.lines;
      if (record.length === 1 && record[0].trim() === '') continue; // a blank line
      if (!plan) {
        const planned = planHeader(record);
        if ('error' in planned) throw new ImportFileError(planned.error);
        plan = planned;
        layout.columns = planned.columns.filter((c): c is string => c !== null);
        layout.ignored = planned.ignored;
        continue;
      }
      row += 1;
      if (record.length !== plan.columns.length) {
        yield {
          row,
          line,
          record: {
            ...checkRecord(() => undefined, 0),
            errors: [
              {
                field: '(row)',
                reason: `the row has ${record.length} fields where the header has ${plan.columns.length}`,
              },
            ],
          },
        };
        continue;
      }
      const values = new Map<string, string>();
      plan.columns.forEach((column, index) => {
        if (column) values.set(column, record[index]);
      });
      yield { row, line, record: checkRecord((field) => values.get(field), plan.present) };
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    const { code, message } = error as { code?: string; message: string };
    if (code?.startsWith('CSV_')) throw new ImportFileError(`Malformed CSV: ${message}`);
    throw error;
  }
  if (!plan) throw new ImportFileError('The file is empty: it has no header line');
}

async function* jsonRows(stream: Readable, flavour: 'json' | 'ndjson'): AsyncGenerator<ParsedRow> {
  const values =
    flavour === 'json'
      ? pipeline(stream, jsonParser(), streamArray(), () => undefined)
      : pipeline(stream, new JsonlParser({ checkErrors: true }), () => undefined);
  let row = 0;
  try {
    for await (const { value } of values as AsyncIterable<{ key: number; value: unknown }>) {
      row += 1;
      const line = flavour === 'ndjson' ? row : null;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        yield {
          row,
          line,
          record: {
            ...checkRecord(() => undefined, 0),
            errors: [{ field: '(record)', reason: 'each record must be a JSON object' }],
          },
        };
        continue;
      }
      const object = value as Record<string, unknown>;
      yield { row, line, record: checkRecord((field) => object[field], presenceOfObject(object)) };
    }
  } catch (error) {
    throw new ImportFileError(
      `Malformed ${flavour === 'json' ? 'JSON' : 'NDJSON'} after record ${row}: ${(error as Error).message}`,
    );
  }
}
