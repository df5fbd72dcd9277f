import { randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { serviceEnv, spawnService, stop } from './support/processes';
import { waitFor } from './support/wait';

describe('Customer imports and exports', () => {
  let t: TestApp;
  const companyId = randomUUID();
  let manager: string;
  let agent: string;
  let foreign: string;

  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const upload = (body: string | Buffer, filename = 'customers.csv', query = '', token = manager) =>
    request(t.url)
      .post(`/v1/customers/imports${query}`)
      .set(as(token))
      .attach('file', typeof body === 'string' ? Buffer.from(body) : body, filename);
  const finished = (id: string) =>
    waitFor(
      async () => {
        const { body } = await request(t.url).get(`/v1/customers/imports/${id}`).set(as(manager)).expect(200);
        return body.status === 'queued' || body.status === 'processing' ? undefined : body;
      },
      { what: `import ${id} to finish`, timeoutMs: 30_000 },
    );
  const importFile = async (body: string | Buffer, filename = 'customers.csv', query = '') => {
    const accepted = await upload(body, filename, query).expect(202);
    expect(accepted.headers.location).toBe(`/v1/customers/imports/${accepted.body.id}`);
    return finished(accepted.body.id as string);
  };
  const errorsOf = async (id: string) =>
    (await request(t.url).get(`/v1/customers/imports/${id}/errors`).set(as(manager)).expect(200)).body.data;
  const customerCount = async () =>
    Number(
      (await t.db.query('SELECT count(*) AS n FROM customers WHERE company_id = $1', [companyId])).rows[0].n,
    );
  const byNumber = async (number: string) =>
    (
      await t.db.query(
        `SELECT customer_number, external_id, name, email::text AS email, phone, currency, status, tags,
                billing_address, metadata, source
           FROM customers WHERE company_id = $1 AND customer_number = $2`,
        [companyId, number],
      )
    ).rows[0];
  const events = async (type: string, importId: string) =>
    (
      await t.db.query(
        `SELECT metadata FROM outbox_events WHERE type = $1 AND metadata->>'import_id' = $2 ORDER BY seq`,
        [type, importId],
      )
    ).rows.map((row: { metadata: Record<string, unknown> }) => row.metadata);

  beforeAll(async () => {
    t = await startTestApp({ env: { IMPORT_BATCH_ROWS: '3' } });

    manager = await t.token({ companyId, roles: ['manager'], userId: 'manager-1' });
    agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    foreign = await t.token({ roles: ['admin'] });
  });
  afterAll(async () => {
    await t.close();
  });

  const GOOD = [
    'customer_number,external_id,name,email,phone,currency,status,tags,billing_line1,billing_city,billing_country,metadata',
    'IMP-001,crm-1,Amina Otieno,amina@example.com,+254 712 345678,KES,active,vip|wholesale,1 Moi Ave,Nairobi,KE,"{""tier"":2}"',
    'IMP-002,crm-2,Baraka Ltd,,,KES,inactive,,,,,',
    'IMP-003,,Chebet Shop,chebet@example.com,,KES,,retail,,,,',
    ',crm-4,Duka Four,,,UGX,,,,,,',
  ].join('\n');

  it('imports a good CSV in batches, exactly as given, and re-importing it changes nothing', async () => {
    const result = await importFile(GOOD);
    expect(result).toMatchObject({
      status: 'success',
      format: 'csv',
      delimiter: ',',
      total: 4,
      processed: 4,
      failed: 0,
      created: 4,
      updated: 0,
      unchanged: 0,
      error: null,
    });
    expect(await byNumber('IMP-001')).toEqual({
      customer_number: 'IMP-001',
      external_id: 'crm-1',
      name: 'Amina Otieno',
      email: 'amina@example.com',
      phone: '+254 712 345678',
      currency: 'KES',
      status: 'active',
      tags: ['vip', 'wholesale'],
      billing_address: { line1: '1 Moi Ave', city: 'Nairobi', country: 'KE' },
      metadata: { tier: 2 },
      source: 'import',
    });
    expect(await byNumber('IMP-002')).toMatchObject({ status: 'inactive', email: null, tags: [] });
    // The row with only an external id got the next generated number.
    const generated = (
      await t.db.query(
        `SELECT customer_number FROM customers WHERE company_id = $1 AND external_id = 'crm-4'`,
        [companyId],
      )
    ).rows[0].customer_number as string;
    expect(generated).toMatch(/^CUST-\d{6}$/);

    // Two batches of three rows: a batch event each, then the import event.
    const batches = await events('CustomerImportBatchCompleted', result.id);
    expect(batches.map((b) => [b.batch, b.through_row, b.created])).toEqual([
      [1, 3, 3],
      [2, 4, 1],
    ]);
    expect(await events('CustomersImported', result.id)).toEqual([
      expect.objectContaining({ status: 'success', total: 4, created: 4, failed: 0 }),
    ]);
    const audit = async () =>
      Number(
        (
          await t.db.query(
            `SELECT count(*) AS n FROM customer_audit_log WHERE company_id = $1 AND reason = $2`,
            [companyId, `import ${result.id}`],
          )
        ).rows[0].n,
      );
    expect(await audit()).toBe(4);

    const before = await customerCount();
    const again = await importFile(GOOD);
    expect(again).toMatchObject({ status: 'success', created: 0, updated: 0, unchanged: 4 });
    expect(await customerCount()).toBe(before);

    // A changed field updates that customer only, with an audit entry of the change.
    const changed = await importFile(
      'customer_number,email\nIMP-002,baraka@example.com\nIMP-003,chebet@example.com\n',
    );
    expect(changed).toMatchObject({ status: 'success', created: 0, updated: 1, unchanged: 1 });
    expect(await byNumber('IMP-002')).toMatchObject({ email: 'baraka@example.com', name: 'Baraka Ltd' });
    const [entry] = (
      await t.db.query(`SELECT action, changes FROM customer_audit_log WHERE reason = $1`, [
        `import ${changed.id}`,
      ])
    ).rows;
    expect(entry).toEqual({
      action: 'updated',
      changes: { email: { before: null, after: 'baraka@example.com' } },
    });
  });

  it('reports each bad row with its line, field and reason, and imports the rest (partial)', async () => {
    const file = [
      'customer_number,name,email,currency',
      'PB-1,Good One,one@example.com,KES',
      'PB-2,Bad Email,not-an-email,KES',
      'PB-3,"Quoted, with comma",three@example.com,KES',
      'PB-4,Bad Currency,four@example.com,XXX1',
      'PB-5,Too,many,fields,here',
      'PB-1,Duplicate,dup@example.com,KES',
      'PB-6,,six@example.com,KES',
    ].join('\r\n');
    const result = await importFile(file);
    expect(result).toMatchObject({ error: null, status: 'partial', total: 7, failed: 5, created: 2 });
    expect(await errorsOf(result.id)).toEqual([
      { row: 2, line: 3, field: 'email', reason: 'email must be a valid email address' },
      { row: 4, line: 5, field: 'currency', reason: 'currency must be an ISO 4217 code such as KES' },
      { row: 5, line: 6, field: '(row)', reason: 'the row has 5 fields where the header has 4' },
      {
        row: 6,
        line: 7,
        field: 'customer_number',
        reason: 'customer_number appears earlier in this file, on line 2',
      },
      { row: 7, line: 8, field: 'name', reason: 'name should not be empty' },
    ]);
    expect(await byNumber('PB-3')).toMatchObject({ name: 'Quoted, with comma' });
    expect(await byNumber('PB-2')).toBeUndefined();
    expect(await byNumber('PB-1')).toMatchObject({ name: 'Good One' });
  });

  it('refuses a wholly bad file as a failure and writes nothing', async () => {
    const before = await customerCount();
    const result = await importFile('customer_number,name,currency\nWB-1,,KES\nWB-2,No Currency,\n');
    expect(result).toMatchObject({ status: 'failure', total: 2, failed: 2, created: 0 });
    expect((await errorsOf(result.id)).map((e: { field: string }) => e.field)).toEqual(['name', 'currency']);
    expect(await customerCount()).toBe(before);
  });

  it('reads a UTF-8 BOM, quoted newlines and commas, and semicolon-delimited files', async () => {
    const bom = await importFile('\uFEFFcustomer_number,name,currency\nBOM-1,Zoë Ŵanjiru,KES\n');
    expect(bom).toMatchObject({
      status: 'success',
      created: 1,
      columns: ['customer_number', 'name', 'currency'],
    });
    expect(await byNumber('BOM-1')).toMatchObject({ name: 'Zoë Ŵanjiru' });

    const multiline = await importFile(
      'customer_number,name,currency,billing_line1,billing_city,billing_country\n' +
        'ML-1,"Line, one",KES,"Plot 4\nGate B",Nairobi,KE\n' +
        'ML-2,Two,KES,,,XX\n',
    );
    expect(multiline).toMatchObject({ status: 'partial', created: 1, failed: 1 });
    expect(await byNumber('ML-1')).toMatchObject({
      name: 'Line, one',
      billing_address: { line1: 'Plot 4\nGate B', city: 'Nairobi', country: 'KE' },
    });
    // The second row starts on line 4: the quoted newline moved it down one.
    expect(await errorsOf(multiline.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ row: 2, line: 4, field: 'billing_address.line1' })]),
    );

    const semicolons = await importFile('customer_number;name;currency\nSC-1;Semi, Colon;KES\n');
    expect(semicolons).toMatchObject({ status: 'success', delimiter: ';', created: 1 });
    expect(await byNumber('SC-1')).toMatchObject({ name: 'Semi, Colon' });
  });

  it('refuses empty, binary and malformed files clearly, with nothing half-written', async () => {
    const before = await customerCount();
    const imports = async () =>
      Number(
        (await t.db.query('SELECT count(*) AS n FROM customer_imports WHERE company_id = $1', [companyId]))
          .rows[0].n,
      );
    const importsBefore = await imports();

    const empty = await upload(Buffer.alloc(0)).expect(400);
    expect(empty.body).toMatchObject({ status: 400, errors: [{ field: 'file', message: 'has no content' }] });
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);
    const binary = await upload(png, 'customers.csv').expect(415);
    expect(binary.body.detail).toContain('image/png');
    expect(await imports()).toBe(importsBefore);

    const prose = await importFile('Dear team,\nplease find our customers attached.\n');
    expect(prose.status).toBe('failure');
    expect(prose.error).toContain('needs a customer_number or external_id column');

    const unclosed = await importFile(
      'customer_number,name,currency\nUQ-1,Fine,KES\nUQ-2,"Never closed,KES\n',
    );
    expect(unclosed).toMatchObject({ status: 'failure' });
    expect(unclosed.error).toMatch(/^Malformed CSV: Quote Not Closed/);

    const headerOnly = await importFile('customer_number,name,currency\n');
    expect(headerOnly).toMatchObject({ status: 'failure', error: 'The file has no data rows' });

    expect(await customerCount()).toBe(before);
    expect(await byNumber('UQ-1')).toBeUndefined();
  });

  it('imports JSON arrays and NDJSON, and a dry run reports without writing', async () => {
    const json = await importFile(
      JSON.stringify([
        {
          customer_number: 'JS-1',
          name: 'Json One',
          currency: 'KES',
          tags: ['a', 'b'],
          billing_address: null,
        },
        { customer_number: 'JS-2', name: 'Json Two', currency: 'KES', metadata: [1] },
        'not an object',
      ]),
      'customers.json',
    );
    expect(json).toMatchObject({ format: 'json', status: 'partial', created: 1, failed: 2 });
    expect(await errorsOf(json.id)).toEqual([
      { row: 2, line: null, field: 'metadata', reason: 'metadata must be a JSON object' },
      { row: 3, line: null, field: '(record)', reason: 'each record must be a JSON object' },
    ]);
    expect(await byNumber('JS-1')).toMatchObject({ tags: ['a', 'b'], billing_address: null });

    const ndjson = await importFile(
      '{"customer_number":"ND-1","name":"Nd One","currency":"TZS"}\n{"customer_number":"JS-1","name":"Json Renamed"}\n',
      'customers.ndjson',
    );
    expect(ndjson).toMatchObject({ format: 'ndjson', status: 'success', created: 1, updated: 1 });
    expect(await byNumber('JS-1')).toMatchObject({ name: 'Json Renamed', tags: ['a', 'b'] });

    const before = await customerCount();
    const dry = await importFile(
      'customer_number,name,currency\nJS-1,Json Renamed,KES\nDRY-1,Dry Run,KES\nDRY-2,,KES\n',
      'customers.csv',
      '?dry_run=true',
    );
    expect(dry).toMatchObject({ dry_run: true, status: 'partial', created: 1, unchanged: 1, failed: 1 });
    expect(await customerCount()).toBe(before);
  });

  it('keeps imports to managers of the same company', async () => {
    await upload(GOOD, 'customers.csv', '', agent).expect(403);
    const accepted = await upload('customer_number,name,currency\nTEN-1,Tenant,KES\n').expect(202);
    await request(t.url).get(`/v1/customers/imports/${accepted.body.id}`).set(as(foreign)).expect(404);
    await request(t.url).get(`/v1/customers/imports/${accepted.body.id}/errors`).set(as(foreign)).expect(404);
    await finished(accepted.body.id);
    const bad = await request(t.url)
      .post('/v1/customers/imports?format=xml')
      .set(as(manager))
      .attach('file', Buffer.from('x'), 'a.csv');
    expect(bad.status).toBe(400);
  });

  it('exports the filtered customers as CSV that re-imports as a no-op, and as JSON', async () => {
    const csv = await request(t.url)
      .get('/v1/customers/export?format=csv')
      .set(as(manager))
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(
      /^attachment; filename="customers-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const records = parseCsv<Record<string, string>>(csv.body as string, { columns: true });
    expect(records).toHaveLength(await customerCount());
    const amina = records.find((r) => r.customer_number === 'IMP-001')!;
    expect(amina).toMatchObject({
      external_id: 'crm-1',
      name: 'Amina Otieno',
      tags: 'vip|wholesale',
      billing_line1: '1 Moi Ave',
      metadata: '{"tier": 2}',
    });
    expect(records.find((r) => r.customer_number === 'ML-1')!.billing_line1).toBe('Plot 4\nGate B');

    const again = await importFile(Buffer.from(csv.body as string), 'export.csv');
    expect(again).toMatchObject({ status: 'success', created: 0, updated: 0, unchanged: records.length });
    expect(again.ignored_columns).toEqual(['id', 'source', 'created_at', 'updated_at']);

    const json = await request(t.url)
      .get('/v1/customers/export?format=json&status=inactive')
      .set(as(manager))
      .expect(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.body).toEqual([
      expect.objectContaining({
        customer_number: 'IMP-002',
        status: 'inactive',
        email: 'baraka@example.com',
      }),
    ]);
    const none = await request(t.url)
      .get('/v1/customers/export?format=json&tag=nobody')
      .set(as(manager))
      .expect(200);
    expect(none.body).toEqual([]);
    // Filters are escaped into the COPY, never interpolated raw.
    const hostile = await request(t.url)
      .get(`/v1/customers/export?format=json&q=${encodeURIComponent("x'); DROP TABLE customers; --")}`)
      .set(as(manager))
      .expect(200);
    expect(hostile.body).toEqual([]);
    await request(t.url)
      .get('/v1/customers/export')
      .set(as(foreign))
      .expect(200)
      .expect((r) => expect(r.text.split('\n')[1]).toBe(''));
    await request(t.url).get('/v1/customers/export').set(as(agent)).expect(403);

    const metrics = await t.metrics();
    expect(metrics).toContain(
      `customer_export_generated_total{company_id="${companyId}",format="csv",filter_type="none"}`,
    );
    expect(metrics).toContain(
      `customer_export_generated_total{company_id="${companyId}",format="json",filter_type="status"}`,
    );
    expect(metrics).toMatch(
      new RegExp(
        `customer_import_processed_total\\{company_id="${companyId}",format="csv",status="partial"\\} \\d+`,
      ),
    );
    expect(metrics).toContain(`customer_import_failed_total{company_id="${companyId}",format="csv"}`);
    expect(metrics).toContain(
      `customer_import_processing_duration_seconds_count{company_id="${companyId}",format="csv",record_count="<1k"}`,
    );
  });

  it('stores a large export as a job and serves the file', async () => {
    const accepted = await request(t.url)
      .post('/v1/customers/exports?format=csv&tag=vip')
      .set(as(manager))
      .expect(202);
    const done = await waitFor(async () => {
      const { body } = await request(t.url).get(`/v1/customers/exports/${accepted.body.id}`).set(as(manager));
      return body.status === 'generated' ? body : undefined;
    });
    expect(done).toMatchObject({
      rows: 1,
      filter_type: 'tag',
      file_url: `/v1/customers/exports/${accepted.body.id}/file`,
    });
    const file = await request(t.url).get(done.file_url).set(as(manager)).expect(200);
    const records = parseCsv<Record<string, string>>(file.text, { columns: true });
    expect(records.map((r) => r.customer_number)).toEqual(['IMP-001']);
    expect(Number(file.headers['content-length'])).toBe(done.size_bytes);
    expect(
      await t.db.query(
        `SELECT 1 FROM outbox_events WHERE type = 'CustomersExported' AND metadata->>'export_id' = $1`,
        [accepted.body.id],
      ),
    ).toMatchObject({ rowCount: 1 });
    await request(t.url).get(`/v1/customers/exports/${accepted.body.id}/file`).set(as(foreign)).expect(404);
  });
});

describe('Customer import survives a worker killed with SIGKILL mid-import', () => {
  it('finishes after restart with each row merged exactly once', async () => {
    const api = await startTestApp({ env: { APP_ROLE: 'api' } });
    const companyId = randomUUID();
    const token = await api.token({ companyId, roles: ['manager'], userId: 'manager-1' });
    const workerEnv = serviceEnv(api.databaseUrl, {
      APP_ROLE: 'worker',
      PORT: '0',
      REDIS_PREFIX: api.config.REDIS_PREFIX,
      IMPORT_BATCH_ROWS: '250',
      QUEUE_LOCK_DURATION_MS: '1500',
      LOG_LEVEL: 'warn',
    });
    const rows = 40_000;
    const lines = ['customer_number,name,email,currency'];
    for (let n = 1; n <= rows; n += 1) lines.push(`K-${n},Killed ${n},k${n}@example.com,KES`);
    const worker = spawnService('main', workerEnv);
    let second: ReturnType<typeof spawnService> | undefined;
    try {
      const accepted = await request(api.url)
        .post('/v1/customers/imports')
        .set({ authorization: `Bearer ${token}` })
        .attach('file', Buffer.from(lines.join('\n')), 'big.csv')
        .expect(202);
      const importId = accepted.body.id as string;
      const progress = async () =>
        (await api.db.query('SELECT status, merged_through FROM customer_imports WHERE id = $1', [importId]))
          .rows[0] as {
          status: string;
          merged_through: number;
        };
      await waitFor(async () => (await progress()).merged_through > 0, {
        what: 'a first batch',
        intervalMs: 10,
        timeoutMs: 90_000, // the spawned worker's start, on a loaded CI machine
      });
      await stop(worker.child, 'SIGKILL');
      const atKill = await progress();
      expect(atKill.status).toBe('processing');
      expect(atKill.merged_through).toBeLessThan(rows);

      second = spawnService('main', workerEnv);
      await waitFor(async () => (await progress()).status === 'success', {
        what: 'the import to finish',
        timeoutMs: 60_000,
      });
      const one = async (sql: string) => Number((await api.db.query(sql, [companyId])).rows[0].n);
      expect(await one('SELECT count(*) AS n FROM customers WHERE company_id = $1')).toBe(rows);
      expect(
        await one(
          `SELECT count(*) AS n FROM customer_audit_log WHERE company_id = $1 AND action = 'created'`,
        ),
      ).toBe(rows);
      const [summary] = (
        await api.db.query('SELECT created_count, batches FROM customer_imports WHERE id = $1', [importId])
      ).rows;
      expect(summary).toEqual({ created_count: rows, batches: rows / 250 });
      const batches = (
        await api.db.query(
          `SELECT (metadata->>'through_row')::int AS through FROM outbox_events
            WHERE type = 'CustomerImportBatchCompleted' AND company_id = $1 ORDER BY 1`,
          [companyId],
        )
      ).rows.map((row: { through: number }) => row.through);
      expect(batches).toEqual(Array.from({ length: rows / 250 }, (_, i) => (i + 1) * 250));
      expect(
        await one(
          `SELECT count(*) AS n FROM outbox_events WHERE type = 'CustomersImported' AND company_id = $1`,
        ),
      ).toBe(1);
    } finally {
      await stop(worker.child, 'SIGKILL');
      if (second) await stop(second.child, 'SIGTERM');
      await api.close();
    }
  }, 180_000);
});
