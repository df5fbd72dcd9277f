import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';

const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;
const DAY_MS = 24 * 3600 * 1000;

interface BatchView {
  id: string;
  package_id: string;
  voucher_count: number;
  expires_at: string;
  note: string | null;
  created_by: string | null;
  created_at: string;
  counts: { total: number; redeemed: number; expired: number; available: number };
}

interface Session {
  id: string;
  customer_id: string;
  status: string;
  source: string;
  voucher_id: string | null;
  package_id: string;
  started_at: string | null;
  expires_at: string | null;
}

const plain = (code: string) => code.replace(/-/g, '');
const hashOf = (code: string) => createHash('sha256').update(plain(code)).digest();

describe('Vouchers (batches of prepaid codes, single-use redemption)', () => {
  let t: TestApp;
  const companyA = randomUUID();
  const companyB = randomUUID();
  let adminA: string;
  let managerA: string;
  let agentA: string;
  let adminB: string;
  let packageId: string;
  let customer1: string;
  let customer1Token: string;
  let customer2: string;
  let customerBToken: string;
  /** Every code this file was shown (to prove none of them is kept or logged in clear). */
  const shown: string[] = [];
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  const newCustomer = async (token: string) =>
    (
      await request(t.url)
        .post('/v1/customers')
        .set(as(token))
        .send({ name: 'Surfer', email: `v${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' })
        .expect(201)
    ).body.id as string;

  const packageBody = (name: string) => ({
    name,
    price_minor: 5_000,
    currency: 'KES',
    duration_seconds: 86_400,
    data_cap_bytes: 1_000_000_000,
    services: ['wifi-cbd'],
  });
  const newPackage = async (name = `Daily ${randomUUID().slice(0, 6)}`, token = adminA) =>
    (await request(t.url).post('/v1/packages').set(as(token)).send(packageBody(name)).expect(201)).body
      .id as string;

  const createBatch = (body: Record<string, unknown>, token = adminA) =>
    request(t.url).post('/v1/vouchers/batches').set(as(token)).send(body);
  const newBatch = async (count: number, extra: Record<string, unknown> = {}, token = adminA) => {
    const res = await createBatch({ package_id: packageId, count, ...extra }, token).expect(201);
    const body = res.body as { batch: BatchView; codes: string[] };
    shown.push(...body.codes);
    return body;
  };
  const batch = async (id: string, token = adminA) =>
    (await request(t.url).get(`/v1/vouchers/batches/${id}`).set(as(token)).expect(200)).body as BatchView;

  /** POST /v1/sessions with a voucher: a customer token redeems for itself, staff name the customer. */
  const redeem = (
    code: string,
    {
      token = customer1Token,
      customerId,
      key = randomUUID(),
    }: { token?: string; customerId?: string; key?: string } = {},
  ) =>
    request(t.url)
      .post('/v1/sessions')
      .set(as(token))
      .set('idempotency-key', key)
      .send(customerId ? { voucher_code: code, customer_id: customerId } : { voucher_code: code });

  const voucherRow = async (code: string) =>
    (
      await t.db.query<{
        id: string;
        batch_id: string;
        redeemed_at: Date | null;
        redeemed_by_customer: string | null;
        session_id: string | null;
        expires_at: Date;
      }>(
        `SELECT id, batch_id, redeemed_at, redeemed_by_customer, session_id, expires_at
           FROM session_vouchers WHERE code_hash = $1`,
        [hashOf(code)],
      )
    ).rows[0];
  const sessionsOf = async (voucherId: string) =>
    (await t.db.query<{ id: string }>('SELECT id FROM wifi_sessions WHERE voucher_id = $1', [voucherId]))
      .rows;
  const redeemedEvents = async (voucherId: string) =>
    (
      await t.db.query<{ metadata: Record<string, unknown>; customer_id: string }>(
        `SELECT metadata, customer_id FROM outbox_events WHERE type = 'VoucherRedeemed' AND metadata->>'voucher_id' = $1`,
        [voucherId],
      )
    ).rows;

  beforeAll(async () => {
    t = await startTestApp();
    adminA = await t.token({ companyId: companyA, roles: ['admin'] });
    managerA = await t.token({ companyId: companyA, roles: ['manager'] });
    agentA = await t.token({ companyId: companyA, roles: ['agent'] });
    adminB = await t.token({ companyId: companyB, roles: ['admin'] });
    packageId = await newPackage('Daily 1 GB');
    customer1 = await newCustomer(adminA);
    customer1Token = await t.token({ companyId: companyA, roles: ['customer'], customerId: customer1 });
    customer2 = await newCustomer(adminA);
    const customerB = await newCustomer(adminB);
    customerBToken = await t.token({ companyId: companyB, roles: ['customer'], customerId: customerB });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('makes a batch: N distinct codes shown once, and its counts', async () => {
    const before = Date.now();
    const res = await createBatch({ package_id: packageId, count: 25, note: '  Kiosk 4  ' }).expect(201);
    const after = Date.now();
    const { batch: made, codes } = res.body as { batch: BatchView; codes: string[] };
    shown.push(...codes);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.location).toBe(`/v1/vouchers/batches/${made.id}`);
    expect(codes).toHaveLength(25);
    expect(new Set(codes).size).toBe(25);
    for (const code of codes) expect(code).toMatch(CODE_FORMAT);
    expect(made).toMatchObject({
      package_id: packageId,
      voucher_count: 25,
      note: 'Kiosk 4',
      counts: { total: 25, redeemed: 0, expired: 0, available: 25 },
    });
    // Neither expires_at nor valid_days: 90 days.
    const expires = Date.parse(made.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 90 * DAY_MS - 1000);
    expect(expires).toBeLessThanOrEqual(after + 90 * DAY_MS + 1000);

    const { rows } = await t.db.query<{ n: number; hints: string[] }>(
      `SELECT count(*)::int AS n, array_agg(code_hint) AS hints FROM session_vouchers WHERE batch_id = $1`,
      [made.id],
    );
    expect(rows[0].n).toBe(25);
    expect(rows[0].hints.sort()).toEqual(codes.map((code) => code.slice(-4)).sort());

    expect(await batch(made.id, managerA)).toEqual(made);
    const list = await request(t.url).get('/v1/vouchers/batches').set(as(managerA)).expect(200);
    expect((list.body.data as BatchView[]).find((b) => b.id === made.id)).toEqual(made);
    // Reading a batch never shows a code again.
    for (const code of codes) expect(JSON.stringify(list.body)).not.toContain(code);
  });

  it('lets admins make batches and managers read them; nobody else', async () => {
    const { batch: made } = await newBatch(1);
    await createBatch({ package_id: packageId, count: 1 }, managerA).expect(403);
    await createBatch({ package_id: packageId, count: 1 }, agentA).expect(403);
    await createBatch({ package_id: packageId, count: 1 }, customer1Token).expect(403);
    await request(t.url).get('/v1/vouchers/batches').set(as(agentA)).expect(403);
    await request(t.url).get(`/v1/vouchers/batches/${made.id}`).set(as(customer1Token)).expect(403);
    await request(t.url).get('/v1/vouchers/batches').expect(401);
  });

  it('takes expires_at (with an offset) or valid_days, within two years', async () => {
    const at = new Date(Date.now() + 10 * DAY_MS);
    at.setUTCMilliseconds(0);
    const offset = at.toISOString().replace('.000Z', '+00:00');
    const explicit = await newBatch(2, { expires_at: offset });
    expect(explicit.batch.expires_at).toBe(at.toISOString());
    expect(new Date((await voucherRow(explicit.codes[0])).expires_at).toISOString()).toBe(at.toISOString());

    const before = Date.now();
    const days = await newBatch(1, { valid_days: 730 });
    expect(Date.parse(days.batch.expires_at)).toBeGreaterThanOrEqual(before + 730 * DAY_MS - 1000);

    const invalid = async (body: Record<string, unknown>, field: string) => {
      const res = await createBatch({ package_id: packageId, count: 1, ...body }).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((res.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
      return res;
    };
    const past = await invalid({ expires_at: new Date(Date.now() - 60_000).toISOString() }, 'expires_at');
    expect(past.body.type).toMatch(/voucher-batch-invalid$/);
    await invalid({ expires_at: new Date(Date.now() + 731 * DAY_MS).toISOString() }, 'expires_at');
    await invalid({ expires_at: '2030-01-01T00:00:00' }, 'expires_at'); // no offset
    await invalid({ expires_at: 'next week' }, 'expires_at');
    await invalid({ expires_at: offset, valid_days: 30 }, 'valid_days');
    await invalid({ valid_days: 0 }, 'valid_days');
    await invalid({ valid_days: 731 }, 'valid_days');
    await invalid({ note: 'x'.repeat(201) }, 'note');
  });

  it('refuses a bad count or package, and makes the largest batch in one go', async () => {
    const count = async (value: unknown) =>
      (await createBatch({ package_id: packageId, count: value }).expect(400)).body.type as string;
    expect(await count(0)).toMatch(/validation-failed$/);
    expect(await count(10_001)).toMatch(/validation-failed$/);
    expect(await count(2.5)).toMatch(/validation-failed$/);
    await createBatch({ package_id: packageId }).expect(400);
    await createBatch({ count: 5 }).expect(400);
    await createBatch({ package_id: 'not-a-uuid', count: 5 }).expect(400);
    await createBatch({ package_id: packageId, count: 5, code: 'MINE' }).expect(400);
    const missing = await createBatch({ package_id: randomUUID(), count: 5 }).expect(404);
    expect(missing.body.type).toMatch(/not-found$/);
    // Another tenant's package is missing too.
    await createBatch({ package_id: packageId, count: 5 }, adminB).expect(404);

    const largest = await newBatch(10_000);
    expect(new Set(largest.codes).size).toBe(10_000);
    expect(largest.batch.counts).toEqual({ total: 10_000, redeemed: 0, expired: 0, available: 10_000 });
    const { rows } = await t.db.query<{ n: number; hashes: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT code_hash)::int AS hashes FROM session_vouchers WHERE batch_id = $1`,
      [largest.batch.id],
    );
    expect(rows[0]).toEqual({ n: 10_000, hashes: 10_000 });
  });

  it('redeems a code once: two concurrent redemptions give one session and one 409', async () => {
    const { batch: made, codes } = await newBatch(3);
    for (const code of codes) {
      // Different customers and keys, sent together: the voucher row decides.
      const results = await Promise.all([
        redeem(code, { token: customer1Token }),
        redeem(code, { token: agentA, customerId: customer2 }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const won = results.find((r) => r.status === 201)!;
      const lost = results.find((r) => r.status === 409)!;
      expect(lost.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(lost.body.type).toMatch(/voucher-already-redeemed$/);

      const session = won.body as Session;
      const voucher = await voucherRow(code);
      expect(session).toMatchObject({
        status: 'active',
        source: 'voucher',
        voucher_id: voucher.id,
        package_id: packageId,
      });
      expect(Date.parse(session.expires_at!) - Date.parse(session.started_at!)).toBe(86_400_000);
      expect(voucher.redeemed_at).not.toBeNull();
      expect(voucher.redeemed_by_customer).toBe(session.customer_id);
      expect(voucher.session_id).toBe(session.id);
      expect(await sessionsOf(voucher.id)).toEqual([{ id: session.id }]);

      const events = await redeemedEvents(voucher.id);
      expect(events).toHaveLength(1);
      expect(events[0].customer_id).toBe(session.customer_id);
      expect(events[0].metadata).toMatchObject({
        voucher_id: voucher.id,
        batch_id: made.id,
        session_id: session.id,
        package_id: packageId,
        source: 'voucher',
      });
    }
    expect((await batch(made.id)).counts).toEqual({ total: 3, redeemed: 3, expired: 0, available: 0 });

    // Later attempts, by anyone, are refused; (a retry with the same key replays, below).
    const code = codes[0];
    const again = await redeem(code, { token: agentA, customerId: customer1 }).expect(409);
    expect(again.body.type).toMatch(/voucher-already-redeemed$/);
    expect(await sessionsOf((await voucherRow(code)).id)).toHaveLength(1);
  });

  it('replays a redemption retried with the same Idempotency-Key', async () => {
    const { codes } = await newBatch(1);
    const key = randomUUID();
    const first = await redeem(codes[0], { key }).expect(201);
    const second = await redeem(codes[0], { key }).expect(201);
    expect(second.body.id).toBe(first.body.id);
    expect(await sessionsOf((await voucherRow(codes[0])).id)).toHaveLength(1);
  });

  it('accepts a code typed in lower case, without dashes, or with spaces', async () => {
    const { codes } = await newBatch(2);
    const lower = await redeem(plain(codes[0]).toLowerCase()).expect(201);
    expect(lower.body.voucher_id).toBe((await voucherRow(codes[0])).id);
    const spaced = await redeem(codes[1].replace(/-/g, ' '), { token: agentA, customerId: customer2 }).expect(
      201,
    );
    expect(spaced.body.voucher_id).toBe((await voucherRow(codes[1])).id);
  });

  it('answers 404 for a code nobody issued, 400 for what is not a code', async () => {
    const unknown = await redeem('ABCD-EFGH-JKMN-PQRS').expect(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.type).toMatch(/voucher-not-found$/);
    await redeem('not a voucher').expect(400);
  });

  it('refuses an expired voucher and changes nothing', async () => {
    const { batch: made, codes } = await newBatch(2);
    await t.db.query(
      `UPDATE session_vouchers SET expires_at = now() - interval '1 minute' WHERE code_hash = $1`,
      [hashOf(codes[0])],
    );
    const res = await redeem(codes[0]).expect(422);
    expect(res.body.type).toMatch(/voucher-expired$/);

    const voucher = await voucherRow(codes[0]);
    expect(voucher.redeemed_at).toBeNull();
    expect(voucher.redeemed_by_customer).toBeNull();
    expect(voucher.session_id).toBeNull();
    expect(await sessionsOf(voucher.id)).toHaveLength(0);
    expect(await redeemedEvents(voucher.id)).toHaveLength(0);
    expect((await batch(made.id)).counts).toEqual({ total: 2, redeemed: 0, expired: 1, available: 1 });
    // Its sibling, not expired, still works.
    await redeem(codes[1]).expect(201);
    expect((await batch(made.id)).counts).toEqual({ total: 2, redeemed: 1, expired: 1, available: 0 });
  });

  it('refuses a voucher whose package went off sale, leaving it unredeemed', async () => {
    const name = `Weekly ${randomUUID().slice(0, 6)}`;
    const offSale = await newPackage(name);
    const { codes } = await newBatch(1, { package_id: offSale });
    await request(t.url)
      .put(`/v1/packages/${offSale}`)
      .set(as(adminA))
      .send({ ...packageBody(name), active: false })
      .expect(200);

    const res = await redeem(codes[0]).expect(422);
    expect(res.body.type).toMatch(/package-inactive$/);
    const voucher = await voucherRow(codes[0]);
    expect(voucher.redeemed_at).toBeNull();
    expect(await sessionsOf(voucher.id)).toHaveLength(0);
    expect(await redeemedEvents(voucher.id)).toHaveLength(0);

    // No new batch for a package off sale either.
    const refused = await createBatch({ package_id: offSale, count: 1 }).expect(422);
    expect(refused.body.type).toMatch(/package-inactive$/);
  });

  it('keeps tenants apart: another company neither sees a batch nor redeems its codes', async () => {
    const { batch: made, codes } = await newBatch(1);
    const foreign = await request(t.url).get(`/v1/vouchers/batches/${made.id}`).set(as(adminB)).expect(404);
    expect(foreign.body.type).toMatch(/not-found$/);
    await request(t.url).get(`/v1/vouchers/batches/${randomUUID()}`).set(as(adminA)).expect(404);
    await request(t.url).get('/v1/vouchers/batches/not-a-uuid').set(as(adminA)).expect(404);
    const listB = await request(t.url).get('/v1/vouchers/batches').set(as(adminB)).expect(200);
    expect(listB.body).toEqual({ data: [], next_cursor: null });

    const stolen = await redeem(codes[0], { token: customerBToken }).expect(404);
    expect(stolen.body.type).toMatch(/voucher-not-found$/);
    expect((await voucherRow(codes[0])).redeemed_at).toBeNull();
    await redeem(codes[0]).expect(201);
  });

  it('lists batches newest first, a keyset page at a time', async () => {
    const companyC = randomUUID();
    const adminC = await t.token({ companyId: companyC, roles: ['admin'] });
    const packageC = await newPackage('Hourly', adminC);
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) made.push((await newBatch(1, { package_id: packageC }, adminC)).batch.id);

    const first = await request(t.url).get('/v1/vouchers/batches?limit=2').set(as(adminC)).expect(200);
    expect((first.body.data as BatchView[]).map((b) => b.id)).toEqual([made[2], made[1]]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await request(t.url)
      .get(`/v1/vouchers/batches?limit=2&cursor=${first.body.next_cursor as string}`)
      .set(as(adminC))
      .expect(200);
    expect((second.body.data as BatchView[]).map((b) => b.id)).toEqual([made[0]]);
    expect(second.body.next_cursor).toBeNull();

    await request(t.url).get('/v1/vouchers/batches?cursor=garbage').set(as(adminC)).expect(400);
    await request(t.url).get('/v1/vouchers/batches?limit=201').set(as(adminC)).expect(400);
  });

  it('never keeps or logs a code in clear', async () => {
    expect(shown.length).toBeGreaterThan(10_000);
    const codes = new Set(shown.map(plain));
    const hexes = new Set(shown.map((code) => Buffer.from(plain(code)).toString('hex').toUpperCase()));
    /** Every code (plain, formatted, any case, or as the hex of its bytes) found in a text. */
    const leaks = (text: string): string[] => {
      const haystack = text.toUpperCase().replace(/[-\s]/g, '');
      const found: string[] = [];
      for (let i = 0; i + 16 <= haystack.length; i += 1) {
        const window = haystack.slice(i, i + 16);
        if (codes.has(window)) found.push(window);
        if (i + 32 <= haystack.length && hexes.has(haystack.slice(i, i + 32)))
          found.push(haystack.slice(i, i + 32));
      }
      return found;
    };
    // The detector finds a code however it is written.
    expect(leaks(`…${shown[0].toLowerCase()}…`)).toHaveLength(1);
    expect(leaks(`\\x${Buffer.from(plain(shown[1])).toString('hex')}`)).toHaveLength(1);

    // Every table of the database, as text (bytea shows as hex).
    const { rows: tables } = await t.db.query<{ name: string }>(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((table) => table.name)).toContain('session_vouchers');
    const { rows } = await t.db.query<{ dump: string }>(
      `SELECT string_agg(d, ' ') AS dump FROM (${tables
        .map((table) => `SELECT t::text AS d FROM ${table.name} t`)
        .join(' UNION ALL ')}) x`,
    );
    expect(rows[0].dump.length).toBeGreaterThan(10_000 * 64);
    expect(leaks(rows[0].dump)).toEqual([]);

    // What is kept: the SHA-256 and the last four characters.
    const { rows: stored } = await t.db.query<{ code_hint: string }>(
      'SELECT code_hint FROM session_vouchers WHERE code_hash = $1',
      [hashOf(shown[0])],
    );
    expect(stored).toEqual([{ code_hint: shown[0].slice(-4) }]);

    expect(leaks(JSON.stringify(t.logs))).toEqual([]);
    const created = t.logs.filter((line) => line.operation === 'vouchers.create_batch');
    expect(created.length).toBeGreaterThan(5);
    expect(created[0]).toMatchObject({
      company_id: companyA,
      user_id: expect.any(String),
      batch_id: expect.any(String),
      count: 25,
    });
  });
});
