import { Injectable } from '@nestjs/common';
import type { Principal } from '../../platform/auth/principal';
import { CustomersService } from '../customers/customers.service';
import { PaymentsService } from '../payments/payments.service';
import { SessionsService } from '../sessions/sessions.service';
import { TicketsService } from '../tickets/tickets.service';
import { searchTerms } from './console-search-terms';

export const SEARCH_LIMIT = 20;

export type MatchedBy =
  'customer_number' | 'name' | 'email' | 'phone' | 'ticket_number' | 'payment_id' | 'session_id';

export interface ConsoleHit {
  customer_id: string;
  customer_number: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: string;
  matched_by: MatchedBy;
}

/**
 * "Find the customer": one box, read as every kind of key it can be (console-search-terms.ts). Each kind
 * is one indexed, tenant-scoped lookup in the module that owns the data, run concurrently: customers by
 * number, email, phone digits and text in one statement; a ticket number, a payment id or a session id to
 * its customer. Best first: a unique key (ticket, payment, session, customer number, email, phone), then
 * text matches by name similarity; each customer once, under its best match.
 */
@Injectable()
export class ConsoleSearchService {
  constructor(
    private readonly customers: CustomersService,
    private readonly tickets: TicketsService,
    private readonly payments: PaymentsService,
    private readonly sessions: SessionsService,
  ) {}

  async search(principal: Principal, q: string): Promise<{ data: ConsoleHit[] }> {
    const companyId = principal.companyId;
    const terms = searchTerms(q);
    const none = Promise.resolve(undefined);
    const [customerHits, byTicket, byPayment, bySession] = await Promise.all([
      terms.customerNumber !== undefined || terms.email || terms.phoneDigits || terms.text
        ? this.customers.supportSearch(
            companyId,
            {
              customerNumber: terms.customerNumber,
              email: terms.email,
              phoneDigits: terms.phoneDigits,
              text: terms.text,
            },
            SEARCH_LIMIT,
          )
        : Promise.resolve([]),
      terms.ticketNumber ? this.tickets.customerOfNumber(companyId, terms.ticketNumber) : none,
      terms.uuid ? this.payments.customerOf(companyId, terms.uuid) : none,
      terms.uuid ? this.sessions.customerOf(companyId, terms.uuid) : none,
    ]);
    const keyed: Array<{ customerId: string; matchedBy: MatchedBy }> = [];
    if (byTicket) keyed.push({ customerId: byTicket, matchedBy: 'ticket_number' });
    if (byPayment) keyed.push({ customerId: byPayment, matchedBy: 'payment_id' });
    if (bySession) keyed.push({ customerId: bySession, matchedBy: 'session_id' });
    const cards = new Map(
      (await this.customers.supportCards(companyId, [...new Set(keyed.map((k) => k.customerId))])).map(
        (card) => [card.id, card],
      ),
    );

    const hits = new Map<string, ConsoleHit>();
    const add = (hit: ConsoleHit): void => {
      if (!hits.has(hit.customer_id) && hits.size < SEARCH_LIMIT) hits.set(hit.customer_id, hit);
    };
    for (const { customerId, matchedBy } of keyed) {
      const card = cards.get(customerId);
      if (card) add({ ...hitOf(card), matched_by: matchedBy });
    }
    for (const row of customerHits) add({ ...hitOf(row), matched_by: row.matched_by });
    return { data: [...hits.values()] };
  }
}

function hitOf(card: {
  id: string;
  customer_number: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: string;
}): Omit<ConsoleHit, 'matched_by'> {
  return {
    customer_id: card.id,
    customer_number: card.customer_number,
    name: card.name,
    email: card.email,
    phone: card.phone,
    status: card.status,
  };
}
