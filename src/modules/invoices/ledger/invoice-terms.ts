import type { FieldError } from '../../../platform/http/domain-exception';
import { addDays } from './invoice-totals';

export interface InvoiceTerms {
  issueDate: string;
  dueDate: string;
  /** Set when the due date follows from payment terms (and moves with the issue date). */
  paymentTermsDays: number | null;
}

export interface TermsInput {
  issue_date?: string;
  due_date?: string;
  payment_terms_days?: number;
}

/**
 * An invoice's dates from a request: a due date, or payment terms in days from the issue date (one of
 * the two, never both). `current` is the draft being edited (what the request leaves out is kept) or,
 * for a new invoice, undefined with `today` as the default issue date. Dates are `YYYY-MM-DD`, already
 * validated as calendar dates.
 */
export function resolveTerms(
  input: TermsInput,
  current: InvoiceTerms | undefined,
  today: string,
): { terms: InvoiceTerms } | { errors: FieldError[] } {
  if (input.due_date !== undefined && input.payment_terms_days !== undefined) {
    return {
      errors: [{ field: 'payment_terms_days', message: 'give due_date or payment_terms_days, not both' }],
    };
  }
  const issueDate = input.issue_date ?? current?.issueDate ?? today;
  let paymentTermsDays: number | null;
  let dueDate: string | undefined;
  if (input.payment_terms_days !== undefined) {
    paymentTermsDays = input.payment_terms_days;
  } else if (input.due_date !== undefined) {
    paymentTermsDays = null;
    dueDate = input.due_date;
  } else {
    paymentTermsDays = current?.paymentTermsDays ?? null;
    dueDate = paymentTermsDays === null ? current?.dueDate : undefined;
  }
  if (paymentTermsDays !== null) dueDate = addDays(issueDate, paymentTermsDays);
  if (dueDate === undefined) {
    return { errors: [{ field: 'due_date', message: 'give due_date or payment_terms_days' }] };
  }
  if (dueDate < issueDate) {
    return { errors: [{ field: 'due_date', message: 'due_date must not be before issue_date' }] };
  }
  return { terms: { issueDate, dueDate, paymentTermsDays } };
}
