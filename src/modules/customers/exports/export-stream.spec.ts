import { Readable } from 'node:stream';
import fc from 'fast-check';
import { recordCountBucket } from '../customer-files.metrics';
import { filterType } from './customer-exports.service';
import { JsonLinesToArray } from './export-stream';

async function collect(chunks: Buffer[]): Promise<string> {
  let out = '';
  for await (const chunk of Readable.from(chunks).pipe(new JsonLinesToArray())) out += String(chunk);
  return out;
}

describe('customer exports', () => {
  it('turns JSON lines into one JSON array whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        async (objects, sizes) => {
          const bytes = Buffer.from(objects.map((o) => JSON.stringify(o) + '\n').join(''));
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < bytes.length; i += 1) {
            const size = sizes[i % sizes.length];
            chunks.push(bytes.subarray(at, at + size));
            at += size;
          }
          expect(JSON.parse(await collect(chunks))).toEqual(objects);
        },
      ),
    );
    expect(await collect([])).toBe('[]\n');
  });

  it('labels exports by filter and imports by size, with bounded values', () => {
    expect(filterType({})).toBe('none');
    expect(filterType({ tag: 'vip' })).toBe('tag');
    expect(filterType({ tag: 'vip', status: 'active' })).toBe('multiple');
    expect([0, 999, 1000, 99_999, 100_000, 1_000_000].map(recordCountBucket)).toEqual([
      '<1k',
      '<1k',
      '1k-10k',
      '10k-100k',
      '100k-1m',
      '>=1m',
    ]);
  });
});
