import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { StatementGenerator } from '../src/modules/statements/statement-generator';
import { ROWS_FIRST_PAGE, ROWS_PER_PAGE, SUMMARY_ROWS } from '../src/modules/statements/statement-pdf';
import { StatementsMonthly } from '../src/modules/statements/statements-monthly';
import { startTestApp, TestApp } from './support/app';
import { ManualClock } from './support/clock';
import { readPdf } from './support/pdf';
import { SmtpSink } from './support/peers';
import { waitFor } from './support/wait';

/**
 * Customer statements (issue 8) against hand-computed figures. "Today" is 2026-03-15, so
 * `period_months: 1` is February 2026. Invoices, allocations and voids go through the ledger's HTTP API;
 * a void is dated by the clock, which the test moves to the void's day and back.
 */
const TODAY = '2026-03-15';
const NOW = new Date(`${TODAY}T10:00:00Z`);

/** Pages of a statement of `lines` lines, from the renderer's constants: the opening row + lines, then the summary. */
function expectedPages(lines: number): number {
  const rows = lines + 1;
  let pages: number;
  let free: number;
  if (rows <= ROWS_FIRST_PAGE) {
    pages = 1;
    free = ROWS_FIRST_PAGE - rows;
  } else {
    const later = Math.ceil((rows - ROWS_FIRST_PAGE) / ROWS_PER_PAGE);
    pages = 1 + later;
    free = later * ROWS_PER_PAGE - (rows - ROWS_FIRST_PAGE);
  }
  return free >= SUMMARY_ROWS ? pages : pages + 1;
}

const pdfText = readPdf;

const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('Customer statements (issue 8)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let storageDir: string;
  const clock = new ManualClock(NOW);
  const companyId = randomUUID();
  const otherCompanyId = randomUUID();
  let admin: string;
  let agent: string;
  let viewer: string;
  let otherAdmin: string;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  let main: { id: string; customer_number: string };
  let settled: string;
  let foreign: string;

  async function customer(token: string, name: string, email?: string) {
    const res = await request(t.url)
      .post('/v1/customers')
      .set(as(token))
      .send({
        name,
        currency: 'KES',
        ...(email ? { email } : {}),
        billing_address: { line1: '12 Moi Avenue', city: 'Nairobi', country: 'KE' },
      })
      .expect(201);
    return res.body as { id: string; customer_number: string };
  }

  async function invoice(
    customerId: string,
    issueDate: string,
    amount: number,
    issue = true,
  ): Promise<string> {
    const res = await request(t.url)
      .post('/v1/invoices')
      .set(as(agent))
      .send({
        customer_id: customerId,
        issue_date: issueDate,
        payment_terms_days: 30,
        lines: [{ description: 'Service', quantity: '1', unit_price_minor: amount }],
      })
      .expect(201);
    const id = (res.body as { id: string }).id;
    if (issue) await request(t.url).post(`/v1/invoices/${id}/issue`).set(as(agent)).send({}).expect(200);
    return id;
  }

  const allocate = (invoiceId: string, amount: number, on: string) =>
    request(t.url)
      .post(`/v1/invoices/${invoiceId}/allocations`)
      .set(as(agent))
      .send({ amount_minor: amount, currency: 'KES', allocated_on: on })
      .expect(201);

  async function voidOn(invoiceId: string, day: string) {
    clock.set(`${day}T12:00:00Z`);
    try {
      await request(t.url)
        .post(`/v1/invoices/${invoiceId}/void`)
        .set(as(admin))
        .send({ reason: 'issued in error' })
        .expect(200);
    } finally {
      clock.set(NOW);
    }
  }

  function requestStatement(customerId: string, body: Record<string, unknown>, token = agent) {
    return request(t.url).post(`/v1/customers/${customerId}/statements`).set(as(token)).send(body);
  }

  async function generated(id: string) {
    return waitFor(
      async () => {
        const res = await request(t.url).get(`/v1/statements/${id}`).set(as(viewer)).expect(200);
        return res.body.status === 'generated' ? (res.body as Record<string, unknown>) : undefined;
      },
      { what: `statement ${id} generated`, timeoutMs: 20_000 },
    );
  }

  const download = (id: string) =>
    request(t.url).get(`/v1/statements/${id}/file`).set(as(viewer)).buffer(true).parse(binary).expect(200);

  const counts = async () =>
    (
      await t.db.query(
        `SELECT (SELECT count(*)::int FROM statements) AS statements,
                (SELECT count(*)::int FROM outbox_events WHERE type = 'StatementRequested') AS requested`,
      )
    ).rows[0] as { statements: number; requested: number };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    storageDir = await mkdtemp(join(tmpdir(), 'custops-statements-'));
    t = await startTestApp({ clock, env: { SMTP_URL: smtp.url, STORAGE_DIR: storageDir } });
    await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Acme Water Ltd'), ($2, 'Beta Power')`, [
      companyId,
      otherCompanyId,
    ]);
    admin = await t.token({ companyId, roles: ['admin'] });
    agent = await t.token({ companyId, roles: ['agent'] });
    viewer = await t.token({ companyId, roles: ['viewer'] });
    otherAdmin = await t.token({ companyId: otherCompanyId, roles: ['admin'] });

    main = await customer(agent, 'Wanjiru Traders');
    // Before the period: A 100.00 on 10 Jan, 30.00 paid on 20 Jan; B 50.00 on 25 Jan (voided 5 Feb).
    const a = await invoice(main.id, '2026-01-10', 10000);
    await allocate(a, 3000, '2026-01-20');
    const b = await invoice(main.id, '2026-01-25', 5000);
    // In February: C 200.00 on 3 Feb; 20.00 on A and 80.00 on C on 10 Feb; D 40.00 on 20 Feb.
    const c = await invoice(main.id, '2026-02-03', 20000);
    await voidOn(b, '2026-02-05');
    await allocate(a, 2000, '2026-02-10');
    await allocate(c, 8000, '2026-02-10');
    const d = await invoice(main.id, '2026-02-20', 4000);
    // Never on the statement: a draft in February, a draft voided, and what happened in March.
    await invoice(main.id, '2026-02-12', 777, false);
    await voidOn(await invoice(main.id, '2026-02-13', 888, false), '2026-02-14');
    await voidOn(d, '2026-03-02');
    await invoice(main.id, '2026-03-05', 1000);
    await allocate(c, 1000, '2026-03-10');

    // Paid in full within January: nothing owed at the end of February.
    settled = (await customer(agent, 'Settled Co')).id;
    await allocate(await invoice(settled, '2026-01-05', 1500), 1500, '2026-01-06');

    foreign = (await customer(otherAdmin, 'Elsewhere Ltd')).id;
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  /** The hand-computed February statement of `main` (opening 120.00, closing 210.00). */
  const EXPECTED = {
    opening: 12000,
    closing: 21000,
    lines: [
      { date: '2026-02-03', type: 'invoice', debit: 20000, credit: null, balance: 32000 },
      { date: '2026-02-05', type: 'void', debit: null, credit: 5000, balance: 27000 },
      { date: '2026-02-10', type: 'allocation', debit: null, credit: 2000, balance: 25000 },
      { date: '2026-02-10', type: 'allocation', debit: null, credit: 8000, balance: 17000 },
      { date: '2026-02-20', type: 'invoice', debit: 4000, credit: null, balance: 21000 },
    ],
  };
  const decimal = (minor: number | null) => (minor === null ? '' : (minor / 100).toFixed(2));

  it('generates a PDF statement whose balances, lines and aging match the hand-computed figures', async () => {
    const res = await requestStatement(main.id, { period_months: 1 }).expect(202);
    expect(res.body).toMatchObject({
      status: 'queued',
      customer_id: main.id,
      format: 'pdf',
      delivery_method: 'download',
      currency: 'KES',
      period_from: '2026-02-01',
      period_to: '2026-02-28',
      period_months: 1,
      file: null,
    });
    expect(res.headers.location).toBe(`/v1/statements/${res.body.id}`);

    const done = await generated(res.body.id);
    expect(done).toMatchObject({
      opening_balance_minor: EXPECTED.opening,
      closing_balance_minor: EXPECTED.closing,
      line_count: EXPECTED.lines.length,
      file: { url: `/v1/statements/${res.body.id}/file`, content_type: 'application/pdf' },
    });

    const file = await download(res.body.id);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="statement-${main.customer_number}-2026-02-01-to-2026-02-28.pdf"`,
    );
    const pdf = await pdfText(file.body as Buffer);
    expect(pdf.total).toBe(expectedPages(EXPECTED.lines.length));
    expect(pdf.text).toContain('Acme Water Ltd');
    expect(pdf.text).toContain('Wanjiru Traders');
    expect(pdf.text).toContain(main.customer_number);
    expect(pdf.text).toContain('12 Moi Avenue');
    expect(pdf.text).toContain('2026-02-01 to 2026-02-28');
    expect(pdf.text).toContain('KES 120.00'); // opening
    expect(pdf.text).toContain('KES 210.00'); // closing
    for (const line of EXPECTED.lines) expect(pdf.text).toContain(decimal(line.balance));
    // Each line as a row: date, type, reference, description, debit or credit, running balance.
    for (const row of [
      /2026-02-01\s+Opening balance\s+120\.00/,
      /2026-02-03\s+Invoice\s+INV-000003\s+Invoice, due 2026-03-05\s+200\.00\s+320\.00/,
      /2026-02-05\s+Void\s+INV-000002\s+Invoice voided\s+50\.00\s+270\.00/,
      /2026-02-10\s+Payment\s+INV-000001\s+Payment recorded\s+20\.00\s+250\.00/,
      /2026-02-10\s+Payment\s+INV-000003\s+Payment recorded\s+80\.00\s+170\.00/,
      /2026-02-20\s+Invoice\s+INV-000004\s+Invoice, due 2026-03-22\s+40\.00\s+210\.00/,
      /Total debits\s+240\.00\s+Total credits\s+150\.00\s+Closing balance \(KES\)\s+210\.00/,
    ]) {
      expect(pdf.text).toMatch(row);
    }
    expect(pdf.text).not.toContain('7.77'); // the draft
    expect(pdf.text).not.toContain('8.88'); // the voided draft
    expect(pdf.text).toContain('Page 1 of 1');
    // Aging as of 28 Feb (due date basis): A (due 9 Feb) owes 50.00 in 1-30; C 120.00 and D 40.00 current.
    expect(pdf.text).toMatch(/current\s+1-30\s+31-60\s+61-90\s+90\+\s+Total/);
    expect(pdf.text).toMatch(/160\.00\s+50\.00\s+0\.00\s+0\.00\s+0\.00\s+210\.00/);

    // The same statement's figures, from the events a subscriber sees.
    const event = await t.db.query(
      `SELECT metadata FROM outbox_events WHERE type = 'StatementGenerated' AND metadata->>'statement_id' = $1`,
      [res.body.id],
    );
    expect(event.rows[0].metadata).toEqual({
      statement_id: res.body.id,
      format: 'pdf',
      delivery_method: 'download',
      period_from: '2026-02-01',
      period_to: '2026-02-28',
      line_count: 5,
      closing_balance_minor: '21000',
      currency: 'KES',
    });
    expect(await t.metrics()).toMatch(
      new RegExp(
        `customer_statement_generated_total\\{company_id="${companyId}",format="pdf",delivery_method="download"\\} 1`,
      ),
    );
    expect(await t.metrics()).toMatch(
      new RegExp(
        `customer_statement_generation_duration_seconds_count\\{company_id="${companyId}",format="pdf",period_months="1"\\} 1`,
      ),
    );
  });

  it('writes the same lines as CSV that parse back (RFC 4180)', async () => {
    const res = await requestStatement(main.id, {
      from: '2026-02-01',
      to: '2026-02-28',
      format: 'csv',
    }).expect(202);
    const done = await generated(res.body.id);
    expect(done.period_months).toBe(1); // whole months, though asked as dates
    const file = await download(res.body.id);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toContain('.csv"');
    const rows = parse<Record<string, string>>(file.body as Buffer, { columns: true });
    expect(rows[0]).toMatchObject({
      date: '2026-02-01',
      type: 'opening_balance',
      balance: '120.00',
      currency: 'KES',
    });
    expect(rows[rows.length - 1]).toMatchObject({
      date: '2026-02-28',
      type: 'closing_balance',
      balance: '210.00',
    });
    expect(
      rows.slice(1, -1).map((r) => ({
        date: r.date,
        type: r.type,
        debit: r.debit,
        credit: r.credit,
        balance: r.balance,
      })),
    ).toEqual(
      EXPECTED.lines.map((l) => ({
        date: l.date,
        type: l.type,
        debit: decimal(l.debit),
        credit: decimal(l.credit),
        balance: decimal(l.balance),
      })),
    );
    expect(rows[2].reference).toBe('INV-000002');
    expect(rows[2].description).toBe('Invoice voided');
  });

  it('breaks a long statement across exactly the pages the layout implies, header repeated', async () => {
    const long = await customer(agent, 'Long Ledger Ltd');
    // 320 invoices in February by SQL (the HTTP API would take a while), 160 of them half paid: 480 lines.
    await t.db.query(
      `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, issue_date, due_date, issued_at,
                             subtotal_minor, tax_minor, total_minor, allocated_minor, balance_minor)
       SELECT $1, $2, 'LONG-' || lpad(i::text, 4, '0'), 'KES', CASE WHEN i % 2 = 0 THEN 'partially_paid' ELSE 'open' END,
              DATE '2026-02-01' + (i % 28), DATE '2026-02-01' + (i % 28) + 30,
              (DATE '2026-02-01' + (i % 28))::timestamp AT TIME ZONE 'UTC', 1000 + i, 0, 1000 + i,
              CASE WHEN i % 2 = 0 THEN 500 ELSE 0 END, CASE WHEN i % 2 = 0 THEN 500 + i ELSE 1000 + i END
         FROM generate_series(1, 320) i`,
      [companyId, long.id],
    );
    await t.db.query(
      `INSERT INTO invoice_allocations (company_id, invoice_id, customer_id, amount_minor, currency, allocated_on, source)
       SELECT company_id, id, customer_id, 500, currency, issue_date, 'manual'
         FROM invoices WHERE customer_id = $1 AND allocated_minor > 0`,
      [long.id],
    );
    const res = await requestStatement(long.id, { period_months: 1 }).expect(202);
    const done = await generated(res.body.id);
    expect(done.line_count).toBe(480);
    // Σ(1000 + i) for i = 1..320 less 160 × 5.00.
    expect(done.closing_balance_minor).toBe(320 * 1000 + (320 * 321) / 2 - 160 * 500);
    const pdf = await pdfText((await download(res.body.id)).body as Buffer);
    const pages = expectedPages(480);
    expect(pages).toBeGreaterThan(2);
    expect(pdf.total).toBe(pages);
    expect(pdf.text).toContain(`Page ${pages} of ${pages}`);
    // The table header on every page that has rows (all but a summary-only last page).
    const headers = pdf.text.match(/Date\s+Type\s+Reference\s+Description\s+Debit\s+Credit\s+Balance/g) ?? [];
    expect(headers.length).toBeGreaterThanOrEqual(pages - 1);
  });

  it('emails the statement with its PDF attached, once, through notifications', async () => {
    const emailed = await customer(agent, 'Mail Me Ltd', 'accounts@mailme.test');
    const inv = await invoice(emailed.id, '2026-02-02', 12345);
    await allocate(inv, 345, '2026-02-03');
    const res = await requestStatement(emailed.id, { period_months: 1, delivery_method: 'email' }).expect(
      202,
    );
    await generated(res.body.id);
    const mail = await waitFor(
      () => smtp.messages.find((m) => JSON.stringify(m.to).includes('accounts@mailme.test')),
      {
        what: 'the statement email',
        timeoutMs: 20_000,
      },
    );
    expect(mail.subject).toBe('Your statement from Acme Water Ltd: 2026-02-01 to 2026-02-28');
    expect(mail.text).toContain('KES 120.00');
    expect(mail.attachments).toHaveLength(1);
    const [attachment] = mail.attachments;
    expect(attachment.contentType).toBe('application/pdf');
    expect(attachment.filename).toBe(`statement-${emailed.customer_number}-2026-02-01-to-2026-02-28.pdf`);
    const pdf = await pdfText(attachment.content);
    expect(pdf.total).toBe(1);
    expect(pdf.text).toContain('KES 120.00');

    // A job run again (a redelivery, or a retry after a crash) sends nothing more.
    await t.app.get(StatementGenerator).generate(companyId, res.body.id);
    const notifications = await t.db.query(
      `SELECT count(*)::int AS n FROM notifications WHERE idempotency_key = $1`,
      [`statement:${res.body.id}`],
    );
    expect(notifications.rows[0].n).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes('accounts@mailme.test'))).toHaveLength(
      1,
    );
  });

  it('makes a statement once when its job runs twice at the same time', async () => {
    const twice = await customer(agent, 'Twice Ltd', 'twice@twice.test');
    await invoice(twice.id, '2026-02-02', 5000);
    // A queued statement with no event: only the two runs below generate it.
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO statements (company_id, customer_id, currency, period_from, period_to, period_months, format,
                               delivery_method, created_at)
       VALUES ($1, $2, 'KES', '2026-02-01', '2026-02-28', 1, 'pdf', 'email', $3) RETURNING id`,
      [companyId, twice.id, NOW],
    );
    const id = rows[0].id;
    const queuedFile = await request(t.url).get(`/v1/statements/${id}/file`).set(as(viewer)).expect(409);
    expect(queuedFile.body.type).toContain('statement-not-generated');
    const generator = t.app.get(StatementGenerator);
    await Promise.all([generator.generate(companyId, id), generator.generate(companyId, id)]);
    const events = await t.db.query(
      `SELECT count(*)::int AS n FROM outbox_events WHERE type = 'StatementGenerated' AND metadata->>'statement_id' = $1`,
      [id],
    );
    expect(events.rows[0].n).toBe(1);
    await waitFor(() => smtp.messages.some((m) => JSON.stringify(m.to).includes('twice@twice.test')), {
      what: 'the email',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes('twice@twice.test'))).toHaveLength(1);
  });

  it('lists a customer’s statements newest first in keyset pages', async () => {
    const first = await request(t.url)
      .get(`/v1/customers/${main.id}/statements?limit=1`)
      .set(as(viewer))
      .expect(200);
    expect(first.body.data).toHaveLength(1);
    const second = await request(t.url)
      .get(`/v1/customers/${main.id}/statements?limit=1&cursor=${first.body.next_cursor}`)
      .set(as(viewer))
      .expect(200);
    expect(second.body.next_cursor).toBeNull();
    // Both of main's statements (the clock stood still: equal times are ordered by id, descending).
    const pages = [first.body.data[0], second.body.data[0]] as Array<{ id: string; format: string }>;
    expect(pages.map((s) => s.format).sort()).toEqual(['csv', 'pdf']);
    expect(pages[0].id > pages[1].id).toBe(true);
  });

  it('refuses bad requests and foreign customers, and stores nothing', async () => {
    const before = await counts();
    const refusals: Array<[Record<string, unknown>, number, string]> = [
      [{ period_months: 0 }, 422, 'period_months'],
      [{ period_months: 25 }, 422, 'period_months'],
      [{ from: '2026-02-10', to: '2026-02-01' }, 422, 'from'],
      [{ from: '2026-03-01', to: '2026-03-31' }, 422, 'to'],
      [{ period_months: 1, from: '2026-02-01', to: '2026-02-28' }, 422, 'period_months'],
      [{ format: 'docx' }, 400, 'format'],
      [{ delivery_method: 'fax' }, 400, 'delivery_method'],
      [{ delivery_method: 'email' }, 422, 'delivery_method'], // main has no email address
      [{ period_months: 1.5 }, 400, 'period_months'],
    ];
    for (const [body, status, field] of refusals) {
      const res = await requestStatement(main.id, body).expect(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await requestStatement(foreign, { period_months: 1 }).expect(404);
    await requestStatement(randomUUID(), { period_months: 1 }).expect(404);
    await requestStatement('not-a-uuid', { period_months: 1 }).expect(404);
    await requestStatement(main.id, { period_months: 1 }, viewer).expect(403);
    expect(await counts()).toEqual(before);

    // Another tenant sees none of this company's statements.
    const [{ id }] = (
      await t.db.query(`SELECT id FROM statements WHERE company_id = $1 LIMIT 1`, [companyId])
    ).rows;
    await request(t.url).get(`/v1/statements/${id}`).set(as(otherAdmin)).expect(404);
    await request(t.url).get(`/v1/statements/${id}/file`).set(as(otherAdmin)).expect(404);
    await request(t.url).get(`/v1/customers/${main.id}/statements`).set(as(otherAdmin)).expect(404);
  });

  it('runs a month once: a statement for every customer with a balance, none on repeat', async () => {
    await request(t.url).post('/v1/statements/runs').set(as(agent)).send({ period: '2026-02' }).expect(403);
    await request(t.url).post('/v1/statements/runs').set(as(admin)).send({ period: '2026-03' }).expect(422);
    await request(t.url).post('/v1/statements/runs').set(as(admin)).send({ period: '2026-2' }).expect(400);

    const res = await request(t.url)
      .post('/v1/statements/runs')
      .set(as(admin))
      .send({ period: '2026-02', delivery_method: 'download' })
      .expect(202);
    expect(res.headers.location).toBe(`/v1/statements/runs/${res.body.id}`);
    const runStatements = await t.db.query<{ customer_id: string }>(
      `SELECT customer_id FROM statements WHERE run_id = $1`,
      [res.body.id],
    );
    const owing = await t.db.query<{ id: string }>(
      `SELECT id FROM customers WHERE company_id = $1 AND name <> 'Settled Co'`,
      [companyId],
    );
    // Every customer here owed something at the end of February except Settled Co.
    expect(runStatements.rows.map((r) => r.customer_id).sort()).toEqual(owing.rows.map((r) => r.id).sort());
    expect(runStatements.rows.map((r) => r.customer_id)).not.toContain(settled);
    expect(res.body.statements.total).toBe(owing.rows.length);

    const again = await request(t.url)
      .post('/v1/statements/runs')
      .set(as(admin))
      .send({ period: '2026-02', delivery_method: 'download' })
      .expect(200);
    expect(again.body.id).toBe(res.body.id);
    expect(
      (await t.db.query(`SELECT count(*)::int AS n FROM statements WHERE run_id = $1`, [res.body.id])).rows[0]
        .n,
    ).toBe(owing.rows.length);

    const run = await waitFor(
      async () => {
        const got = await request(t.url)
          .get(`/v1/statements/runs/${res.body.id}`)
          .set(as(viewer))
          .expect(200);
        return got.body.status === 'completed' ? got.body : undefined;
      },
      { what: 'the run completed', timeoutMs: 30_000 },
    );
    expect(run.statements).toEqual({
      total: owing.rows.length,
      queued: 0,
      generating: 0,
      generated: owing.rows.length,
      failed: 0,
    });
    await request(t.url).get(`/v1/statements/runs/${res.body.id}`).set(as(otherAdmin)).expect(404);
  });

  it('the monthly task creates the previous month’s run once, however often it runs', async () => {
    const monthly = t.app.get(StatementsMonthly);
    const tick = new Date('2026-04-01T02:00:00Z');
    const [first, second] = await Promise.all([monthly.run(tick), monthly.run(tick)]);
    expect(first.period).toBe('2026-03');
    expect(first.created + second.created).toBe(
      (await t.db.query(`SELECT count(*)::int AS n FROM statement_runs WHERE period_from = '2026-03-01'`))
        .rows[0].n,
    );
    const third = await monthly.run(tick);
    expect(third.created).toBe(0);
    const runs = await t.db.query(
      `SELECT trigger, delivery_method, statements_count FROM statement_runs WHERE company_id = $1 AND period_from = '2026-03-01'`,
      [companyId],
    );
    expect(runs.rows).toEqual([
      { trigger: 'scheduled', delivery_method: 'email', statements_count: expect.any(Number) },
    ]);
    expect(runs.rows[0].statements_count).toBeGreaterThan(0);
  });
});
