/**
 * What a support agent typed into the console's search box, read as the kinds of key it can be. Pure:
 * the search service runs one lookup per kind found (see docs/console.md "How search matches").
 */
export interface ConsoleSearchTerms {
  /** A payment or session id (a uuid, lower-cased). */
  uuid?: string;
  /** A ticket number, canonical (`TKT-20261122-00042`). */
  ticketNumber?: string;
  /** A customer number's value (`CUST-000042`, `cust-42` or a bare `42` → 42). */
  customerNumber?: number;
  /** A whole email address. */
  email?: string;
  /** The phone's digits to match as a suffix: its last 9, leading zeros (trunk, 00) stripped. */
  phoneDigits?: string;
  /** Part of a name, email, phone or customer number. */
  text?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TICKET_NUMBER = /^TKT-?(\d{8})-?(\d{1,9})$/i;
const CUSTOMER_NUMBER = /^CUST-?(\d{1,12})$/i;
const PHONE_LIKE = /^\+?[\d\s().-]+$/;
/** Fewer digits than this is not a phone number (it may be a customer number). */
const PHONE_MIN_DIGITS = 7;
/** The suffix compared: a national significant number's length in most numbering plans. */
const PHONE_SUFFIX_DIGITS = 9;

export function searchTerms(input: string): ConsoleSearchTerms {
  const q = input.trim();
  if (UUID.test(q)) return { uuid: q.toLowerCase() };
  const ticket = TICKET_NUMBER.exec(q);
  if (ticket) return { ticketNumber: `TKT-${ticket[1]}-${ticket[2].padStart(5, '0')}` };
  const number = CUSTOMER_NUMBER.exec(q);
  if (number) return { customerNumber: Number(number[1]), text: q };
  if (q.includes('@')) return { email: q, text: q };
  if (PHONE_LIKE.test(q)) {
    const digits = q.replace(/\D/g, '');
    const significant = digits.replace(/^0+/, '');
    if (significant.length >= PHONE_MIN_DIGITS) {
      return { phoneDigits: significant.slice(-PHONE_SUFFIX_DIGITS), text: q };
    }
    if (/^\d+$/.test(q) && significant.length > 0) return { customerNumber: Number(significant), text: q };
  }
  return { text: q };
}
