import { BUILT_IN_FORMS, validateFormFields } from './ticket-forms';

describe('ticket forms', () => {
  const form = BUILT_IN_FORMS.bug_report;
  const valid = {
    severity: 'high',
    affected_users: 'all in Nairobi',
    steps_to_reproduce: '1. open portal',
    expected: 'loads',
    actual: 'spins',
  };

  it('accepts a complete bug report', () => {
    expect(validateFormFields(form, valid)).toEqual([]);
  });

  it('names every missing, mistyped or unknown field', () => {
    const errors = validateFormFields(form, {
      ...valid,
      severity: 'apocalyptic',
      expected: 42,
      actual: undefined,
      mood: 'sad',
    });
    expect(errors.map((e) => e.field).sort()).toEqual([
      'fields.actual',
      'fields.expected',
      'fields.mood',
      'fields.severity',
    ]);
  });
});
