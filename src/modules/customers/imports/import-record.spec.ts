import { Readable } from 'node:stream';
import { checkRecord, IMPORT_FIELD_BITS, planHeader } from './import-record';
import { readImportFile, sniffDelimiter } from './import-readers';
import { importFormat } from './customer-imports.service';
import { copyValue } from './staging-copy';

const ALL = Object.values(IMPORT_FIELD_BITS).reduce((mask, bit) => mask | bit, 0);
const rowOf = (values: Record<string, unknown>, present = ALL) =>
  checkRecord((field) => values[field], present);

describe('import rows', () => {
  it('checks fields with the API rules and normalises them', () => {
    const row = rowOf({
      customer_number: ' C-1 ',
      name: ' Amina ',
      email: 'amina@example.com',
      tags: 'vip| vip |wholesale',
      billing_line1: '1 Moi Ave',
      billing_city: 'Nairobi',
      billing_country: 'KE',
      metadata: '{"a":1}',
      currency: 'KES',
    });
    expect(row).toMatchObject({
      customer_number: 'C-1',
      name: 'Amina',
      tags: 'vip|wholesale',
      billing_address: JSON.stringify({ line1: '1 Moi Ave', city: 'Nairobi', country: 'KE' }),
      metadata: '{"a":1}',
      errors: [],
    });
    expect(
      rowOf({
        name: 'x'.repeat(201),
        email: 'nope',
        currency: 'KSH',
        status: 'gone',
        billing_city: 'Nairobi',
      }).errors,
    ).toEqual([
      { field: 'customer_number', reason: 'each row needs a customer_number or an external_id' },
      { field: 'name', reason: 'name must be at most 200 characters' },
      { field: 'email', reason: 'email must be a valid email address' },
      { field: 'currency', reason: 'currency must be an ISO 4217 code such as KES' },
      { field: 'status', reason: 'status must be one of active, inactive, blocked' },
      { field: 'billing_address.line1', reason: 'billing_address.line1 is required' },
      { field: 'billing_address.country', reason: 'billing_address.country is required' },
    ]);
  });

  it('leaves absent fields alone and refuses NUL characters', () => {
    const row = rowOf({ customer_number: 'C-1', email: 'x' }, 0);
    expect(row).toMatchObject({ email: null, name: null, errors: [] });
    expect(rowOf({ customer_number: 'C\u00001' }).errors[0]).toEqual({
      field: 'customer_number',
      reason: 'customer_number must not contain NUL characters',
    });
  });

  it('plans headers by canonical names and aliases, and refuses a header without a key', () => {
    expect(planHeader(['Customer Number', 'NAME', 'City', 'Notes'])).toEqual({
      columns: ['customer_number', 'name', 'billing_city', null],
      ignored: ['Notes'],
      present: IMPORT_FIELD_BITS.name | IMPORT_FIELD_BITS.billing_address,
    });
    expect(planHeader(['name', 'email'])).toHaveProperty('error');
    expect(planHeader(['customer_number', 'name', 'name'])).toEqual({
      error: 'The header names column name twice',
    });
  });

  it('sniffs the delimiter outside quotes', () => {
    expect(sniffDelimiter('a;b;c\n1,2')).toBe(';');
    expect(sniffDelimiter('"a;b;c",d,e\n')).toBe(',');
    expect(sniffDelimiter('a\tb\tc')).toBe('\t');
    expect(sniffDelimiter('single')).toBe(',');
  });

  it('reads a CSV split into arbitrary chunks the same as whole', async () => {
    const text = 'customer_number,name\r\nA,"x\ny"\r\nB,z\r\n';
    const read = async (chunks: string[]) => {
      const rows = [];
      for await (const row of await readImportFile(Readable.from(chunks.map((c) => Buffer.from(c))), 'csv'))
        rows.push([row.row, row.line, row.record.name]);
      return rows;
    };
    const whole = await read([text]);
    expect(whole).toEqual([
      [1, 2, 'x\ny'],
      [2, 4, 'z'],
    ]);
    expect(await read(text.split(''))).toEqual(whole);
  });

  it('escapes COPY text values', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
  });

  it('tells the format from the request, the name, the media type, then the content', () => {
    const head = (text: string) => Buffer.from(text);
    expect(importFormat({ dryRun: false, format: 'ndjson' }, 'a.csv', 'text/csv', head('x'))).toBe('ndjson');
    expect(importFormat({ dryRun: false }, 'a.JSONL', '', head('x'))).toBe('ndjson');
    expect(importFormat({ dryRun: false }, 'upload', 'application/json', head('x'))).toBe('json');
    expect(importFormat({ dryRun: false }, 'upload', 'application/octet-stream', head('\uFEFF [{'))).toBe(
      'json',
    );
    expect(importFormat({ dryRun: false }, 'upload', 'application/octet-stream', head('{"a":1}\n'))).toBe(
      'ndjson',
    );
    expect(importFormat({ dryRun: false }, 'upload', 'application/octet-stream', head('a,b'))).toBe('csv');
  });
});
