import fc from 'fast-check';
import { maskKeepLast4, maskPiiInText, redactLogObject } from './pii';

describe('PII redaction', () => {
  it('keeps only the last four characters', () => {
    expect(maskKeepLast4('4111111111111111')).toBe('************1111');
    expect(maskKeepLast4('abc')).toBe('***');
  });

  it('masks emails and long numbers in free text, leaves ids and timestamps alone', () => {
    const text =
      'contact jane.doe@example.com or +1 555-123-4567, account 000123456789 ' +
      'customer 123e4567-e89b-12d3-a456-426614174000 CUST-000001 at 2025-10-15T10:30:00Z on 2025-10-15';
    const masked = maskPiiInText(text);
    expect(masked).not.toContain('jane.doe@example.com');
    expect(masked).not.toContain('555-123-4567');
    expect(masked).not.toContain('000123456789');
    expect(masked).toContain('6789');
    expect(masked).toContain('123e4567-e89b-12d3-a456-426614174000');
    expect(masked).toContain('CUST-000001');
    expect(masked).toContain('2025-10-15T10:30:00Z');
    expect(masked).toContain('on 2025-10-15');
  });

  it('masks PII fields by name, whatever their shape, and redacts secrets entirely', () => {
    const out = redactLogObject({
      body: { email: 'x@y.io', account_number: 12345678, routingNumber: '021000021', password: 'hunter2' },
      headers: { authorization: 'Bearer abc.def.ghi' },
      customer_id: '123e4567-e89b-12d3-a456-426614174000',
    });
    expect(out).toEqual({
      body: {
        email: '**y.io',
        account_number: '****5678',
        routingNumber: '*****0021',
        password: '[REDACTED]',
      },
      headers: { authorization: '[REDACTED]' },
      customer_id: '123e4567-e89b-12d3-a456-426614174000',
    });
  });

  it('never lets an email through, wherever it sits in a log object', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string(), (email, prefix) => {
        const line = JSON.stringify(
          redactLogObject({ message: `${prefix} ${email} `, nested: { note: [email] } }),
        );
        return !line.includes(email) || email.length <= 4;
      }),
    );
  });
});
