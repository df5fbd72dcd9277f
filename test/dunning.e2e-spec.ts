import { randomUUID } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { DunningScanner } from '../src/modules/invoices/dunning/dunning-scanner';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { connect } from './support/database';
import { SmtpSink } from './support/peers';
import { waitFor, waitUntilQuiet } from './support/wait';

interface Customer {
  id: string;
  email: string;
  token: string;
}

interface InvoiceSpec {
  companyId: string;
  customerId: string;
  number: string;
  status?: 'draft' | 'open' | 'partially_paid' | 'paid' | 'void';
  issueDate?: string;
  dueDate?: string;
  totalMinor?: number;
  allocatedMinor?: number;
  currency?: string;
}

/** The scan reasons in UTC days; every scan of this file runs at 06:00 UTC of the day it names. */
const at = (day: string) => `${day}T06:00:00Z`;

describe('Payment reminders (dunning)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const clock = new ManualClock(new Date(at('2026-03-01')));
  const companyA = randomUUID();
  const companyB = randomUUID();
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  let payerA: Customer;
  let payerB: Customer;
  // Company A (default schedule −3, 1, 7, 30), all due 2026-03-10 unless said otherwise.
  let main: string; // open, the whole timeline
  let partial: string; // partially paid: reminded for what is left
  let paidLater: string; // reminded, then paid: nothing more
  let paid: string; // paid before anything: nothing
  let voided: string; // void: nothing
  let draft: string; // draft: nothing
  let late: string; // due 2026-03-02, first scanned on 03-06: only the latest due offset
  // Company B (custom schedule −1, 2).
  let otherTenant: string;

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const scan = async (day: string) => {
    clock.set(at(day));
    return t.app.get(DunningScanner).scan();
  };
  const newCustomer = async (companyId: string, token: string, name: string): Promise<Customer> => {
    const email = `d${randomUUID().slice(0, 8)}@example.com`;
    const created = await request(t.url)
      .post('/v1/customers')
      .set(as(token))
      .send({ name, email, currency: 'KES' })
      .expect(201);
    return {
      id: created.body.id,
      email,
      token: await t.token({ companyId, roles: ['customer'], customerId: created.body.id }),
    };
  };
  const insertInvoice = async (spec: InvoiceSpec): Promise<string> => {
    const status = spec.status ?? 'open';
    const total = spec.totalMinor ?? 123450;
    const allocated = spec.allocatedMinor ?? (status === 'paid' ? total : 0);
    const balance = status === 'void' ? 0 : total - allocated;
    const issueDate = spec.issueDate ?? '2026-02-08';
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, total_minor, subtotal_minor, tax_minor,
                             allocated_minor, balance_minor, status, issue_date, due_date, issued_at, voided_at, void_reason)
       VALUES ($1, $2, $3, $4, $5, $5, 0, $6, $7, $8, $9::date, $10::date,
               CASE WHEN $8 = 'draft' THEN NULL ELSE $9::timestamptz END,
               CASE WHEN $8 = 'void' THEN $9::timestamptz END, CASE WHEN $8 = 'void' THEN 'issued in error' END)
       RETURNING id`,
      [
        spec.companyId,
        spec.customerId,
        spec.number,
        spec.currency ?? 'KES',
        total,
        allocated,
        balance,
        status,
        issueDate,
        spec.dueDate ?? '2026-03-10',
      ],
    );
    return rows[0].id;
  };
  const reminded = async (invoiceId: string) =>
    (
      await t.db.query<{ offset_days: number; stage: string; reminded_on: string }>(
        `SELECT offset_days, stage, reminded_on::text AS reminded_on FROM invoice_reminders
          WHERE invoice_id = $1 ORDER BY offset_days`,
        [invoiceId],
      )
    ).rows;
  const mailsAbout = (number: string): ParsedMail[] =>
    smtp.messages.filter((m) => (m.subject ?? '').toLowerCase().includes(`invoice ${number.toLowerCase()} `));
  const inbox = async (customer: Customer) =>
    (await request(t.url).get('/v1/notifications?limit=200').set(as(customer.token)).expect(200)).body
      .data as Array<{ type: string; title: string; body: string }>;
  /** Until the outbox, the subscribers and the deliveries have nothing left to do. */
  const settle = () =>
    waitUntilQuiet(
      async () => [
        (await t.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL`)).rows[0]
          .n,
        (await t.db.query(`SELECT status, count(*)::int AS n FROM notification_deliveries GROUP BY status`))
          .rows,
        smtp.messages.length,
      ],
      1000,
      30_000,
    );
  const schedule = (token: string) => request(t.url).get('/v1/invoices/reminder-schedule').set(as(token));
  const putSchedule = (token: string, body: unknown) =>
    request(t.url)
      .put('/v1/invoices/reminder-schedule')
      .set(as(token))
      .send(body as object);
  const remindersOf = (token: string, invoiceId: string) =>
    request(t.url).get(`/v1/invoices/${invoiceId}/reminders`).set(as(token));

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    // A long interval: the scheduler's run at boot is the only one; the test scans by hand.
    t = await startTestApp({ clock, env: { SMTP_URL: smtp.url, DUNNING_SCAN_INTERVAL_MS: '2000000000' } });
    await waitFor(
      async () =>
        (
          await t.db.query(
            `SELECT 1 FROM scheduled_task_runs WHERE task = 'invoices.dunning-scan' AND finished_at IS NOT NULL`,
          )
        ).rows.length > 0,
      { what: 'the dunning scan the scheduler runs at boot' },
    );
    await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Acme Water'), ($2, 'Beta Power')`, [
      companyA,
      companyB,
    ]);
    adminA = await t.token({ companyId: companyA, roles: ['admin'], userId: 'admin-a' });
    agentA = await t.token({ companyId: companyA, roles: ['agent'], userId: 'agent-a' });
    viewerA = await t.token({ companyId: companyA, roles: ['viewer'], userId: 'viewer-a' });
    adminB = await t.token({ companyId: companyB, roles: ['admin'], userId: 'admin-b' });
    payerA = await newCustomer(companyA, adminA, 'Achieng Otieno');
    payerB = await newCustomer(companyB, adminB, 'Baraka Mwangi');
    const ofA = { companyId: companyA, customerId: payerA.id };
    main = await insertInvoice({ ...ofA, number: 'A-MAIN' });
    partial = await insertInvoice({
      ...ofA,
      number: 'A-PART',
      status: 'partially_paid',
      totalMinor: 100000,
      allocatedMinor: 40000,
    });
    paidLater = await insertInvoice({ ...ofA, number: 'A-PAIDLATER', totalMinor: 5000 });
    paid = await insertInvoice({ ...ofA, number: 'A-PAID', status: 'paid' });
    voided = await insertInvoice({ ...ofA, number: 'A-VOID', status: 'void' });
    draft = await insertInvoice({ ...ofA, number: 'A-DRAFT', status: 'draft' });
    late = await insertInvoice({ ...ofA, number: 'A-LATE', issueDate: '2026-02-01', dueDate: '2026-03-02' });
    otherTenant = await insertInvoice({ companyId: companyB, customerId: payerB.id, number: 'B-1' });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  describe('the schedule', () => {
    it('is the default (−3, 1, 7, 30) until a company sets its own; staff read it', async () => {
      for (const token of [adminA, agentA, viewerA]) {
        const response = await schedule(token).expect(200);
        expect(response.body).toEqual({
          offsets_days: [-3, 1, 7, 30],
          is_default: true,
          updated_at: null,
          updated_by: null,
        });
      }
    });

    it('is changed by admins only; a customer cannot read it', async () => {
      await putSchedule(agentA, { offsets_days: [1] }).expect(403);
      const customer = await t.token({ companyId: companyA, roles: ['customer'], customerId: payerA.id });
      await schedule(customer).expect(403);
      expect((await schedule(adminA).expect(200)).body.is_default).toBe(true);
    });

    it("sets company B's own schedule without touching company A's", async () => {
      clock.set(at('2026-03-01'));
      const response = await putSchedule(adminB, { offsets_days: [-1, 2] }).expect(200);
      expect(response.body).toEqual({
        offsets_days: [-1, 2],
        is_default: false,
        updated_at: '2026-03-01T06:00:00.000Z',
        updated_by: 'admin-b',
      });
      expect((await schedule(adminB).expect(200)).body.offsets_days).toEqual([-1, 2]);
      expect((await schedule(adminA).expect(200)).body).toMatchObject({
        offsets_days: [-3, 1, 7, 30],
        is_default: true,
      });
    });

    it.each<[string, unknown, string, RegExp]>([
      ['a duplicate', { offsets_days: [-1, 2, 2] }, 'offsets_days.2', /listed twice/],
      ['descending order', { offsets_days: [7, 1] }, 'offsets_days.1', /ascending order/],
      ['more than 60 days before', { offsets_days: [-61, 1] }, 'offsets_days.0', /between -60 and 365/],
      ['more than a year after', { offsets_days: [1, 366] }, 'offsets_days.1', /between -60 and 365/],
      ['a fraction of a day', { offsets_days: [1.5] }, 'offsets_days', /whole number of days/],
      ['a string', { offsets_days: ['3'] }, 'offsets_days', /whole number of days/],
      ['not a list', { offsets_days: 3 }, 'offsets_days', /array/],
      ['no offsets at all', {}, 'offsets_days', /array/],
      ['an unknown field', { offsets_days: [1], time_zone: 'UTC' }, 'time_zone', /should not exist/],
      ['too many', { offsets_days: Array.from({ length: 21 }, (_, i) => i) }, 'offsets_days', /20/],
    ])(
      'refuses %s with a 400 problem naming the field, and keeps the schedule',
      async (_, body, field, why) => {
        const response = await putSchedule(adminB, body)
          .expect(400)
          .expect('content-type', /application\/problem\+json/);
        expect(response.body.status).toBe(400);
        expect(response.body.errors).toEqual(
          expect.arrayContaining([{ field, message: expect.stringMatching(why) }]),
        );
        expect((await schedule(adminB).expect(200)).body.offsets_days).toEqual([-1, 2]);
      },
    );
  });

  describe('the scan', () => {
    it('4 days before the due date: only the invoice whose offsets passed unscanned, once (the latest)', async () => {
      // A-LATE (due 03-02) was never scanned: −3 (02-27) and +1 (03-03) are both due; only +1 goes.
      expect(await scan('2026-03-06')).toEqual({ reminded: 1 });
      expect(await reminded(late)).toEqual([{ offset_days: 1, stage: 'overdue', reminded_on: '2026-03-06' }]);
      await settle();
      const mail = await waitFor(() => mailsAbout('A-LATE')[0], { what: 'the A-LATE reminder' });
      expect(mail.subject).toBe('Overdue: invoice A-LATE from Acme Water, KES 1,234.50 unpaid');
      expect(mail.text).toContain('Hello Achieng Otieno,');
      // Worded from the day it was sent, not from the offset.
      expect(mail.text).toContain('was due on 2026-03-02 and is now 4 days overdue.');
      expect(mailsAbout('A-LATE')).toHaveLength(1);
    });

    it('3 days before: a reminder to pay, by email and in-app; the same day again sends nothing', async () => {
      expect(await scan('2026-03-07')).toEqual({ reminded: 3 }); // A-MAIN, A-PART, A-PAIDLATER
      expect(await scan('2026-03-07')).toEqual({ reminded: 0 });
      clock.set('2026-03-07T23:59:00Z');
      expect(await t.app.get(DunningScanner).scan()).toEqual({ reminded: 0 });
      expect(await reminded(main)).toEqual([
        { offset_days: -3, stage: 'before_due', reminded_on: '2026-03-07' },
      ]);
      await settle();
      const mail = await waitFor(() => mailsAbout('A-MAIN')[0], { what: 'the A-MAIN reminder' });
      expect(mail.subject).toBe('Invoice A-MAIN from Acme Water: KES 1,234.50 due in 3 days');
      expect(JSON.stringify(mail.to)).toContain(payerA.email);
      expect(mail.text).toContain('invoice A-MAIN is due in 3 days, on 2026-03-10.');
      expect(mail.html).toContain('<strong>KES 1,234.50</strong>');
      // What is left of a partly paid invoice, not its total.
      expect(mailsAbout('A-PART')[0].subject).toBe(
        'Invoice A-PART from Acme Water: KES 600.00 due in 3 days',
      );
      const notices = (await inbox(payerA)).filter((n) => n.type === 'invoice.reminder_before');
      expect(notices.map((n) => n.title).sort()).toEqual([
        'Invoice A-MAIN is due in 3 days',
        'Invoice A-PAIDLATER is due in 3 days',
        'Invoice A-PART is due in 3 days',
      ]);
      expect(notices.find((n) => n.title.includes('A-MAIN'))!.body).toBe(
        'KES 1,234.50 is due in 3 days (2026-03-10) on invoice A-MAIN.',
      );
    });

    it("uses company B's own schedule: −1 and +2, not the default's days", async () => {
      expect(await reminded(otherTenant)).toEqual([]); // not on 03-07 (−3 is not B's)
      expect(await scan('2026-03-09')).toEqual({ reminded: 2 }); // B-1's −1, and A-LATE's +7
      expect(await reminded(otherTenant)).toEqual([
        { offset_days: -1, stage: 'before_due', reminded_on: '2026-03-09' },
      ]);
      await settle();
      const mail = await waitFor(() => mailsAbout('B-1')[0], { what: 'the B-1 reminder' });
      expect(mail.subject).toBe('Invoice B-1 from Beta Power: KES 1,234.50 due tomorrow');
      expect(JSON.stringify(mail.to)).toContain(payerB.email);
      expect(mail.text).toContain('Hello Baraka Mwangi,');
    });

    it('on the due day: nothing, 0 is not in the schedule', async () => {
      expect(await scan('2026-03-10')).toEqual({ reminded: 0 });
    });

    it('1 day after: one overdue reminder each, even with two scans at once', async () => {
      const both = await Promise.all([scan('2026-03-11'), t.app.get(DunningScanner).scan()]);
      expect(both[0].reminded + both[1].reminded).toBe(3); // A-MAIN, A-PART, A-PAIDLATER
      expect(await reminded(main)).toEqual([
        { offset_days: -3, stage: 'before_due', reminded_on: '2026-03-07' },
        { offset_days: 1, stage: 'overdue', reminded_on: '2026-03-11' },
      ]);
      await settle();
      const mails = mailsAbout('A-MAIN');
      expect(mails.map((m) => m.subject)).toEqual([
        'Invoice A-MAIN from Acme Water: KES 1,234.50 due in 3 days',
        'Overdue: invoice A-MAIN from Acme Water, KES 1,234.50 unpaid',
      ]);
      expect(mails[1].text).toContain('was due on 2026-03-10 and is now 1 day overdue.');
      expect((await inbox(payerA)).filter((n) => n.title === 'Invoice A-MAIN is 1 day overdue')).toHaveLength(
        1,
      );
    });

    it('lists what an invoice was sent and when the next goes, to staff only', async () => {
      const response = await remindersOf(viewerA, main).expect(200);
      expect(response.body).toEqual({
        data: [
          expect.objectContaining({
            invoice_id: main,
            offset_days: -3,
            stage: 'before_due',
            reminded_on: '2026-03-07',
            due_date: '2026-03-10',
            balance_minor: 123450,
            currency: 'KES',
          }),
          expect.objectContaining({ offset_days: 1, stage: 'overdue', reminded_on: '2026-03-11' }),
        ],
        next_cursor: null,
        next_reminder: { offset_days: 7, on: '2026-03-17' },
      });
      const firstPage = await request(t.url)
        .get(`/v1/invoices/${main}/reminders?limit=1`)
        .set(as(agentA))
        .expect(200);
      expect(firstPage.body.data.map((r: { offset_days: number }) => r.offset_days)).toEqual([-3]);
      const secondPage = await request(t.url)
        .get(`/v1/invoices/${main}/reminders?limit=1&cursor=${firstPage.body.next_cursor}`)
        .set(as(agentA))
        .expect(200);
      expect(secondPage.body.data.map((r: { offset_days: number }) => r.offset_days)).toEqual([1]);
      expect(secondPage.body.next_cursor).toBeNull();
      // Another company's invoice answers exactly like a missing one.
      await remindersOf(adminA, otherTenant).expect(404);
      await remindersOf(adminA, randomUUID()).expect(404);
      await remindersOf(adminA, 'not-a-uuid').expect(404);
      await remindersOf(payerA.token, main).expect(403);
    });

    it('stops once an invoice is paid: nothing more for it, the others go on', async () => {
      await t.db.query(
        `UPDATE invoices SET status = 'paid', allocated_minor = total_minor, balance_minor = 0 WHERE id = $1`,
        [paidLater],
      );
      expect((await remindersOf(adminA, paidLater).expect(200)).body.next_reminder).toBeNull();
      expect(await scan('2026-03-12')).toEqual({ reminded: 1 }); // B-1's +2
      expect(await scan('2026-03-17')).toEqual({ reminded: 2 }); // A-MAIN, A-PART (+7)
      expect((await reminded(paidLater)).map((r) => r.offset_days)).toEqual([-3, 1]);
    });

    it('leaves alone an invoice being paid while the scan runs; once paid it gets nothing', async () => {
      clock.set(at('2026-03-18'));
      // Due 03-21: its −3 reminder is due on 03-18, but a payment holds the invoice meanwhile.
      const racing = await insertInvoice({
        companyId: companyA,
        customerId: payerA.id,
        number: 'A-RACE',
        issueDate: '2026-03-01',
        dueDate: '2026-03-21',
      });
      const payment = await connect(t.databaseUrl);
      try {
        await payment.query('BEGIN');
        await payment.query('SELECT id FROM invoices WHERE id = $1 FOR UPDATE', [racing]);
        expect(await scan('2026-03-18')).toEqual({ reminded: 0 }); // skipped, not waited for
        await payment.query(
          `UPDATE invoices SET status = 'paid', allocated_minor = total_minor, balance_minor = 0 WHERE id = $1`,
          [racing],
        );
        await payment.query('COMMIT');
      } finally {
        await payment.end();
      }
      expect(await scan('2026-03-18')).toEqual({ reminded: 0 });
      expect(await reminded(racing)).toEqual([]);
    });

    it('30 days after: the last reminder; afterwards nothing more, ever', async () => {
      expect(await scan('2026-04-01')).toEqual({ reminded: 1 }); // A-LATE's +30
      expect(await scan('2026-04-09')).toEqual({ reminded: 2 }); // A-MAIN, A-PART
      expect(await scan('2026-04-09')).toEqual({ reminded: 0 });
      expect(await scan('2026-06-01')).toEqual({ reminded: 0 });
      expect((await reminded(main)).map((r) => [r.offset_days, r.reminded_on])).toEqual([
        [-3, '2026-03-07'],
        [1, '2026-03-11'],
        [7, '2026-03-17'],
        [30, '2026-04-09'],
      ]);
      expect((await remindersOf(adminA, main).expect(200)).body.next_reminder).toBeNull();
      await settle();
      expect(mailsAbout('A-MAIN').map((m) => m.subject)).toEqual([
        'Invoice A-MAIN from Acme Water: KES 1,234.50 due in 3 days',
        'Overdue: invoice A-MAIN from Acme Water, KES 1,234.50 unpaid',
        'Overdue: invoice A-MAIN from Acme Water, KES 1,234.50 unpaid',
        'Overdue: invoice A-MAIN from Acme Water, KES 1,234.50 unpaid',
      ]);
      expect(mailsAbout('A-MAIN')[3].text).toContain('is now 30 days overdue.');
    });

    it('paid, void and draft invoices never got anything; company B only its own two', async () => {
      expect((await reminded(partial)).map((r) => r.offset_days)).toEqual([-3, 1, 7, 30]);
      for (const id of [paid, voided, draft]) expect(await reminded(id)).toEqual([]);
      for (const number of ['A-PAID', 'A-VOID', 'A-DRAFT']) expect(mailsAbout(number)).toEqual([]);
      expect((await reminded(otherTenant)).map((r) => r.offset_days)).toEqual([-1, 2]);
      expect(mailsAbout('B-1')).toHaveLength(2);
      expect(mailsAbout('A-LATE')).toHaveLength(3); // +1 (sent late), +7, +30
      // One InvoiceReminderSent per reminder, with the customer and the facts the message was worded from.
      const events = await t.db.query(
        `SELECT customer_id, metadata FROM outbox_events WHERE type = 'InvoiceReminderSent' AND metadata->>'invoice_id' = $1
          ORDER BY (metadata->>'offset_days')::int`,
        [main],
      );
      expect(events.rows).toHaveLength(4);
      expect(events.rows[0]).toEqual({
        customer_id: payerA.id,
        metadata: expect.objectContaining({
          invoice_number: 'A-MAIN',
          offset_days: -3,
          stage: 'before_due',
          balance_minor: 123450,
          currency: 'KES',
          display: { amount_due: 'KES 1,234.50', due_in: 'in 3 days', overdue_by: '' },
        }),
      });
    });
  });
});
