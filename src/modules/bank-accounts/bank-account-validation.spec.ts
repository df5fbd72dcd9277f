import {
  abaRoutingChecksumValid,
  accountNumberFormatValid,
  ibanChecksumValid,
  ibanFormatValid,
  ibanLengthValid,
  maskIban,
  maskTail,
  validateBankDetails,
} from './bank-account-validation';

describe('bank account validation', () => {
  describe('ABA routing checksum', () => {
    it.each(['011000015', '021000021', '111000025', '121000358', '322271627'])('accepts %s', (routing) => {
      expect(abaRoutingChecksumValid(routing)).toBe(true);
    });
    it.each(['021000022', '123456789', '02100002', '0210000210', '02100002a', ''])(
      'refuses %p',
      (routing) => {
        expect(abaRoutingChecksumValid(routing)).toBe(false);
      },
    );
  });

  it('account numbers are 4 to 17 digits', () => {
    expect(accountNumberFormatValid('1234')).toBe(true);
    expect(accountNumberFormatValid('12345678901234567')).toBe(true);
    expect(accountNumberFormatValid('123')).toBe(false);
    expect(accountNumberFormatValid('123456789012345678')).toBe(false);
    expect(accountNumberFormatValid('1234-5678')).toBe(false);
  });

  describe('IBAN', () => {
    it.each([
      'GB82 WEST 1234 5698 7654 32',
      'DE89370400440532013000',
      'FR1420041010050500013M02606',
      'NL91ABNA0417164300',
      'CH9300762011623852957',
      'gb82west12345698765432',
    ])('accepts %s', (iban) => {
      expect(ibanFormatValid(iban)).toBe(true);
      expect(ibanLengthValid(iban)).toBe(true);
      expect(ibanChecksumValid(iban)).toBe(true);
    });

    it('refuses a wrong check digit, a wrong country length and a malformed value', () => {
      expect(ibanChecksumValid('GB82WEST12345698765433')).toBe(false);
      expect(ibanChecksumValid('GB83WEST12345698765432')).toBe(false);
      expect(ibanLengthValid('GB82WEST1234569876543')).toBe(false);
      expect(ibanLengthValid('DE8937040044053201300')).toBe(false);
      expect(ibanFormatValid('8GB2WEST12345698765432')).toBe(false);
      expect(ibanChecksumValid('GB82-WEST')).toBe(false);
    });

    it('checks only the general range for a country not in the table', () => {
      expect(ibanLengthValid('XK051212012345678906')).toBe(true);
      expect(ibanLengthValid('XK0512120')).toBe(false);
    });
  });

  describe('validateBankDetails', () => {
    it('passes a good US account with every check listed', () => {
      const result = validateBankDetails({
        accountHolderName: 'Amina Otieno',
        routingNumber: '021000021',
        accountNumber: '000123456789',
      });
      expect(result).toEqual({
        validationType: 'aba',
        valid: true,
        checksPassed: [
          'holder_name_present',
          'routing_number_format',
          'routing_checksum',
          'account_number_format',
        ],
        failedChecks: [],
        missingFields: [],
      });
    });

    it('lists the failed checks and the missing fields', () => {
      const result = validateBankDetails({
        accountHolderName: '  ',
        routingNumber: '021000022',
        accountNumber: '',
      });
      expect(result.valid).toBe(false);
      expect(result.missingFields).toEqual(['account_holder_name', 'account_number']);
      expect(result.failedChecks.map((f) => f.check)).toEqual([
        'holder_name_present',
        'routing_checksum',
        'account_number_format',
      ]);
      expect(result.checksPassed).toEqual(['routing_number_format']);
    });

    it('validates an IBAN instead when one is given', () => {
      expect(validateBankDetails({ accountHolderName: 'A', iban: 'DE89370400440532013000' })).toMatchObject({
        validationType: 'iban',
        valid: true,
        checksPassed: ['holder_name_present', 'iban_format', 'iban_country_length', 'iban_checksum'],
      });
      expect(
        validateBankDetails({ accountHolderName: 'A', iban: 'DE89370400440532013001' }).failedChecks,
      ).toEqual([{ check: 'iban_checksum', field: 'iban', message: expect.any(String) as string }]);
    });
  });

  it('masks all but the last four characters', () => {
    expect(maskTail('000123456789')).toBe('********6789');
    expect(maskTail('1234')).toBe('****');
    expect(maskIban('GB82 WEST 1234 5698 7654 32')).toBe('GB****************5432');
  });
});
