import { DomainException } from './domain-exception';
import { decodeCursor, encodeCursor, toPage } from './pagination';

describe('keyset cursors', () => {
  it('round-trips a position', () => {
    const position = { at: '2026-11-22T08:00:00.123Z', id: '123e4567-e89b-42d3-a456-426614174000' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    '',
    'not-base64!',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('["x","y"]').toString('base64url'),
  ])('refuses a malformed cursor %p as invalid input', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(DomainException);
  });

  it('gives a next cursor only when there is a next page', () => {
    const rows = [1, 2, 3].map((n) => ({
      n,
      at: `2026-01-0${n}T00:00:00.000Z`,
      id: `00000000-0000-4000-8000-00000000000${n}`,
    }));
    const page = toPage(
      rows,
      2,
      (r) => ({ at: r.at, id: r.id }),
      (r) => r.n,
    );
    expect(page.data).toEqual([1, 2]);
    expect(decodeCursor(page.next_cursor!)).toEqual({ at: rows[1].at, id: rows[1].id });
    expect(
      toPage(
        rows,
        3,
        (r) => ({ at: r.at, id: r.id }),
        (r) => r.n,
      ).next_cursor,
    ).toBeNull();
  });
});
