import { DomainException } from './domain-exception';
import { assertSaneInput, MAX_INPUT_DEPTH } from './validation';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};

describe('assertSaneInput', () => {
  it('lets ordinary bodies through, unicode included', () => {
    expect(() =>
      assertSaneInput({ name: 'Wanjiru 🇰🇪 ‮', tags: ['a', 'b'], deep: nested(MAX_INPUT_DEPTH - 1) }, 'body'),
    ).not.toThrow();
  });

  it('refuses nesting past the limit without overflowing the stack', () => {
    expect(() => assertSaneInput(nested(MAX_INPUT_DEPTH + 1), 'body')).toThrow(DomainException);
    expect(() => assertSaneInput(nested(200_000), 'body')).toThrow(/nested too deeply/);
  });

  it('refuses NUL characters and lone surrogates in values and in field names', () => {
    expect(() => assertSaneInput({ name: 'a\u0000b' }, 'body')).toThrow(DomainException);
    expect(() => assertSaneInput({ email: 'a\ud800b' }, 'body')).toThrow(DomainException);
    expect(() => assertSaneInput({ ['k\udc00']: 1 }, 'query')).toThrow(DomainException);
    let caught: unknown;
    try {
      assertSaneInput({ contact: { name: 'x\u0000' } }, 'body');
    } catch (error) {
      caught = error;
    }
    expect((caught as DomainException).errors).toEqual([
      { field: 'body.contact.name', message: 'must be valid Unicode text without NUL characters' },
    ]);
  });
});
