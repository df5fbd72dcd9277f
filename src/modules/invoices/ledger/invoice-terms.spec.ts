import { resolveTerms } from './invoice-terms';

const today = '2025-03-10';

describe('resolveTerms', () => {
  it('takes a due date, or terms counted from the issue date (today by default)', () => {
    expect(resolveTerms({ issue_date: '2025-03-01', due_date: '2025-03-31' }, undefined, today)).toEqual({
      terms: { issueDate: '2025-03-01', dueDate: '2025-03-31', paymentTermsDays: null },
    });
    expect(resolveTerms({ payment_terms_days: 30 }, undefined, today)).toEqual({
      terms: { issueDate: today, dueDate: '2025-04-09', paymentTermsDays: 30 },
    });
    expect(resolveTerms({ issue_date: '2025-03-01', payment_terms_days: 0 }, undefined, today)).toEqual({
      terms: { issueDate: '2025-03-01', dueDate: '2025-03-01', paymentTermsDays: 0 },
    });
  });

  it('refuses both, neither, and a due date before the issue date', () => {
    expect(resolveTerms({ due_date: '2025-04-01', payment_terms_days: 30 }, undefined, today)).toEqual({
      errors: [{ field: 'payment_terms_days', message: expect.any(String) }],
    });
    expect(resolveTerms({ issue_date: '2025-03-01' }, undefined, today)).toEqual({
      errors: [{ field: 'due_date', message: expect.any(String) }],
    });
    expect(resolveTerms({ issue_date: '2025-03-02', due_date: '2025-03-01' }, undefined, today)).toEqual({
      errors: [{ field: 'due_date', message: 'due_date must not be before issue_date' }],
    });
  });

  it('keeps what an edit leaves out; terms move the due date with the issue date', () => {
    const withTerms = { issueDate: '2025-03-01', dueDate: '2025-03-31', paymentTermsDays: 30 };
    expect(resolveTerms({ issue_date: '2025-03-05' }, withTerms, today)).toEqual({
      terms: { issueDate: '2025-03-05', dueDate: '2025-04-04', paymentTermsDays: 30 },
    });
    const fixed = { issueDate: '2025-03-01', dueDate: '2025-03-31', paymentTermsDays: null };
    expect(resolveTerms({ issue_date: '2025-03-05' }, fixed, today)).toEqual({
      terms: { issueDate: '2025-03-05', dueDate: '2025-03-31', paymentTermsDays: null },
    });
    expect(resolveTerms({ issue_date: '2025-04-05' }, fixed, today)).toEqual({
      errors: [{ field: 'due_date', message: 'due_date must not be before issue_date' }],
    });
    expect(resolveTerms({ due_date: '2025-03-15' }, withTerms, today)).toEqual({
      terms: { issueDate: '2025-03-01', dueDate: '2025-03-15', paymentTermsDays: null },
    });
  });
});
