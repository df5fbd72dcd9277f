import { searchTerms } from './console-search-terms';

describe('console search terms', () => {
  it('reads a uuid as a payment or session id only', () => {
    expect(searchTerms(' 3F1C1F4E-3A53-4F0A-9D0E-8A2D7C1E5B10 ')).toEqual({
      uuid: '3f1c1f4e-3a53-4f0a-9d0e-8a2d7c1e5b10',
    });
  });

  it('reads a ticket number in any case, padding its sequence', () => {
    expect(searchTerms('tkt-20261122-42')).toEqual({ ticketNumber: 'TKT-20261122-00042' });
    expect(searchTerms('TKT-20261122-00042')).toEqual({ ticketNumber: 'TKT-20261122-00042' });
  });

  it('reads customer numbers with or without the prefix, and short bare numbers', () => {
    expect(searchTerms('CUST-000042')).toEqual({ customerNumber: 42, text: 'CUST-000042' });
    expect(searchTerms('cust42')).toEqual({ customerNumber: 42, text: 'cust42' });
    expect(searchTerms('0042')).toEqual({ customerNumber: 42, text: '0042' });
  });

  it('reads a phone in any formatting as its last nine significant digits', () => {
    const expected = { phoneDigits: '712345678' };
    expect(searchTerms('+254 712-345 678')).toMatchObject(expected);
    expect(searchTerms('0712 345678')).toMatchObject(expected);
    expect(searchTerms('00254712345678')).toMatchObject(expected);
    expect(searchTerms('(0712) 345.678')).toMatchObject(expected);
    expect(searchTerms('1234567')).toMatchObject({ phoneDigits: '1234567' });
  });

  it('searches an email exactly and as text, anything else as text', () => {
    expect(searchTerms('Amina@Example.com')).toEqual({
      email: 'Amina@Example.com',
      text: 'Amina@Example.com',
    });
    expect(searchTerms('otieno')).toEqual({ text: 'otieno' });
    expect(searchTerms('+-')).toEqual({ text: '+-' });
  });
});
