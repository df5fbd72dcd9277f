import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { TEST_JWT_SECRET, startTestApp, TestApp } from './support/app';
import { EventProbeModule } from './support/event-probe.module';
import { waitFor } from './support/wait';
import type { Role } from '../src/platform/auth/principal';

const PROBLEM = /application\/problem\+json/;

describe('Customers', () => {
  let t: TestApp;
  const companyId = randomUUID();
  const otherCompanyId = randomUUID();
  const tokens: Partial<Record<Role, string>> = {};
  let foreignAdmin: string;

  const as = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });
  const create = (body: Record<string, unknown>, role: Role = 'agent') =>
    request(t.url).post('/v1/customers').set(as(role)).send(body);
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query(sql, params)).rows[0].n);
  const customersCount = () =>
    count('SELECT count(*) AS n FROM customers WHERE company_id = $1', [companyId]);
  const metricValue = async (pattern: RegExp) => {
    const match = (await t.metrics()).split('\n').find((line) => pattern.test(line));
    return match ? Number(match.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    t = await startTestApp({ extraModules: [EventProbeModule] });
    for (const role of ['admin', 'manager', 'agent', 'viewer'] as Role[]) {
      tokens[role] = await t.token({ companyId, roles: [role], userId: `${role}-user` });
    }
    foreignAdmin = await t.token({ companyId: otherCompanyId, roles: ['admin'] });
  });
  afterAll(() => t.close());

  describe('create', () => {
    it('creates a customer with a company-scoped number, an audit row, an event and metrics', async () => {
      const before = await metricValue(
        new RegExp(`^customer_created_total\\{company_id="${companyId}",source="web_ui",status="active"\\}`),
      );
      const res = await create({
        name: '  Acme Ltd ',
        email: 'billing@acme.test',
        phone: '+254 712 345678',
        currency: 'KES',
        tags: ['vip', 'wholesale', 'vip'],
        metadata: { crm_id: 42 },
        billing_address: { line1: '1 Moi Avenue', city: 'Nairobi', country: 'KE' },
        source: 'web_ui',
      }).expect(201);
      expect(res.body).toMatchObject({
        customer_number: expect.stringMatching(/^CUST-\d{6}$/),
        name: 'Acme Ltd',
        email: 'billing@acme.test',
        phone: '+254 712 345678',
        currency: 'KES',
        tags: ['vip', 'wholesale'],
        metadata: { crm_id: 42 },
        status: 'active',
        source: 'web_ui',
        deleted_at: null,
      });
      const id = res.body.id as string;
      const audit = await t.db.query(
        'SELECT action, actor_user_id, changes FROM customer_audit_log WHERE customer_id = $1',
        [id],
      );
      expect(audit.rows).toEqual([
        expect.objectContaining({
          action: 'created',
          actor_user_id: 'agent-user',
          changes: expect.objectContaining({ name: { after: 'Acme Ltd' } }),
        }),
      ]);
      const event = await waitFor(
        async () =>
          (
            await t.db.query(
              `SELECT * FROM probe_events WHERE customer_id = $1 AND type = 'CustomerCreated'`,
              [id],
            )
          ).rows[0],
        { what: 'CustomerCreated at the subscriber' },
      );
      expect(event).toMatchObject({
        company_id: companyId,
        user_id: 'agent-user',
        received: 1,
        metadata: { customer_number: res.body.customer_number, status: 'active', source: 'web_ui' },
      });
      expect(
        await metricValue(
          new RegExp(
            `^customer_created_total\\{company_id="${companyId}",source="web_ui",status="active"\\}`,
          ),
        ),
      ).toBe(before + 1);
    });

    it('gives 50 concurrent creates 50 distinct customer numbers', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => create({ name: `Concurrent ${i}`, currency: 'USD' })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
      const numbers = new Set(results.map((r) => r.body.customer_number as string));
      expect(numbers.size).toBe(50);
    });

    it.each([
      ['a missing name', { currency: 'KES' }, 'name'],
      ['an oversized name', { name: 'x'.repeat(201), currency: 'KES' }, 'name'],
      ['a bad email', { name: 'A', currency: 'KES', email: 'not-an-email' }, 'email'],
      ['a bad phone', { name: 'A', currency: 'KES', phone: '12ab' }, 'phone'],
      ['an unknown currency', { name: 'A', currency: 'XYZ' }, 'currency'],
      ['an unknown status', { name: 'A', currency: 'KES', status: 'deleted' }, 'status'],
      ['an unknown field', { name: 'A', currency: 'KES', company_id: randomUUID() }, 'company_id'],
      ['a bad tag', { name: 'A', currency: 'KES', tags: ['Not OK!'] }, 'tags'],
      [
        'a billing address without a country',
        { name: 'A', currency: 'KES', billing_address: { line1: 'x', city: 'y' } },
        'billing_address.country',
      ],
      ['source cli from the API', { name: 'A', currency: 'KES', source: 'cli' }, 'source'],
      [
        'oversized metadata',
        { name: 'A', currency: 'KES', metadata: { blob: 'x'.repeat(9000) } },
        'metadata',
      ],
    ])('refuses %s with a 400 naming the field, and writes nothing', async (_what, body, field) => {
      const before = await customersCount();
      const res = await create(body).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect((res.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(field);
      expect(await customersCount()).toBe(before);
    });

    it('lets viewers read but not create', async () => {
      await create({ name: 'Nope', currency: 'KES' }, 'viewer').expect(403);
    });

    it('replays an Idempotency-Key instead of creating twice', async () => {
      const key = randomUUID();
      const first = await request(t.url)
        .post('/v1/customers')
        .set(as('agent'))
        .set('idempotency-key', key)
        .send({ name: 'Idem Co', currency: 'KES' })
        .expect(201);
      const again = await request(t.url)
        .post('/v1/customers')
        .set(as('agent'))
        .set('idempotency-key', key)
        .send({ name: 'Idem Co', currency: 'KES' })
        .expect(201);
      expect(again.body.id).toBe(first.body.id);
      expect(
        await count(`SELECT count(*) AS n FROM customers WHERE company_id = $1 AND name = 'Idem Co'`, [
          companyId,
        ]),
      ).toBe(1);
    });
  });

  describe('read, update and tenancy', () => {
    let id: string;
    beforeAll(async () => {
      id = (await create({ name: 'Readable', email: 'read@able.test', currency: 'EUR' })).body.id as string;
    });

    it('reads a customer; a foreign tenant or malformed id is a 404', async () => {
      const res = await request(t.url).get(`/v1/customers/${id}`).set(as('viewer')).expect(200);
      expect(res.body.name).toBe('Readable');
      const foreign = await request(t.url)
        .get(`/v1/customers/${id}`)
        .set({ authorization: `Bearer ${foreignAdmin}` })
        .expect(404);
      expect(foreign.headers['content-type']).toMatch(PROBLEM);
      await request(t.url).get(`/v1/customers/${randomUUID()}`).set(as('viewer')).expect(404);
      await request(t.url).get('/v1/customers/not-a-uuid').set(as('viewer')).expect(404);
      await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set({ authorization: `Bearer ${foreignAdmin}` })
        .send({ name: 'Stolen' })
        .expect(404);
      expect((await t.db.query('SELECT name FROM customers WHERE id = $1', [id])).rows[0].name).toBe(
        'Readable',
      );
    });

    it('updates only what changed: audit before/after, event with field names, metric per field', async () => {
      const before = await metricValue(
        new RegExp(`^customer_updated_total\\{company_id="${companyId}",field_changed="email"\\}`),
      );
      const res = await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(as('agent'))
        .send({ name: 'Readable', email: 'new@able.test', tags: ['gold'] })
        .expect(200);
      expect(res.body).toMatchObject({ name: 'Readable', email: 'new@able.test', tags: ['gold'] });
      const { rows } = await t.db.query(
        `SELECT changes FROM customer_audit_log WHERE customer_id = $1 AND action = 'updated'`,
        [id],
      );
      expect(rows).toEqual([
        {
          changes: {
            email: { before: 'read@able.test', after: 'new@able.test' },
            tags: { before: [], after: ['gold'] },
          },
        },
      ]);
      const event = await waitFor(
        async () =>
          (
            await t.db.query(
              `SELECT metadata FROM probe_events WHERE customer_id = $1 AND type = 'CustomerUpdated'`,
              [id],
            )
          ).rows[0],
        { what: 'CustomerUpdated' },
      );
      expect(event.metadata.fields_changed).toEqual(['email', 'tags']);
      expect(
        await metricValue(
          new RegExp(`^customer_updated_total\\{company_id="${companyId}",field_changed="email"\\}`),
        ),
      ).toBe(before + 1);
    });

    it('refuses a currency change once the customer has invoices', async () => {
      await t.db.query(
        `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, subtotal_minor, total_minor,
                               balance_minor, issued_at, issue_date, due_date)
         VALUES ($1, $2, $3, 'EUR', 'open', 1000, 1000, 1000, now(), current_date, current_date + 30)`,
        [companyId, id, `INV-${randomUUID().slice(0, 8)}`],
      );
      const res = await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(as('agent'))
        .send({ currency: 'USD' })
        .expect(409);
      expect(res.body.type).toMatch(/customer-currency-locked$/);
    });

    it('refuses bad update input and changes nothing', async () => {
      await request(t.url).patch(`/v1/customers/${id}`).set(as('agent')).send({ email: 'nope' }).expect(400);
      await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(as('agent'))
        .send({ status: 'blocked' })
        .expect(400);
      await request(t.url).patch(`/v1/customers/${id}`).set(as('agent')).send({ name: '' }).expect(400);
      const { rows } = await t.db.query('SELECT email, status FROM customers WHERE id = $1', [id]);
      expect(rows[0]).toEqual({ email: 'new@able.test', status: 'active' });
    });
  });

  describe('list and search', () => {
    const listCompany = randomUUID();
    let admin: string;
    const names: string[] = [];

    beforeAll(async () => {
      admin = await t.token({ companyId: listCompany, roles: ['admin'] });
      for (let i = 0; i < 7; i += 1) {
        const name = `Listed ${String.fromCharCode(65 + i)} Corp`;
        names.push(name);
        await request(t.url)
          .post('/v1/customers')
          .set('authorization', `Bearer ${admin}`)
          .send({
            name,
            currency: 'KES',
            email: `c${i}@listed.test`,
            phone: `+25470000000${i}`,
            tags: i % 2 ? ['odd'] : ['even'],
            status: i === 6 ? 'inactive' : 'active',
          })
          .expect(201);
      }
    });

    const list = (query: string) =>
      request(t.url).get(`/v1/customers?${query}`).set('authorization', `Bearer ${admin}`);

    it('pages newest first with an opaque cursor, without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await list(`limit=3${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        seen.push(...(res.body.data as Array<{ name: string }>).map((c) => c.name));
        cursor = res.body.next_cursor as string | null;
      } while (cursor);
      expect(seen).toEqual([...names].reverse());
    });

    it('filters by status, tag and creation time', async () => {
      expect(
        (await list('status=inactive').expect(200)).body.data.map((c: { name: string }) => c.name),
      ).toEqual([names[6]]);
      expect((await list('tag=odd').expect(200)).body.data).toHaveLength(3);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await list(`created_from=${encodeURIComponent(future)}`).expect(200)).body.data).toHaveLength(
        0,
      );
      expect((await list(`created_to=${encodeURIComponent(future)}`).expect(200)).body.data).toHaveLength(7);
    });

    it.each([
      ['name', 'listed c corp', 1],
      ['email', 'c4@listed', 1],
      ['phone', '2547000000', 7],
      ['customer number', 'CUST-00000', 7],
      ['a LIKE wildcard, taken literally', '%_%', 0],
    ])('searches by %s', async (_what, q, expected) => {
      const res = await list(`q=${encodeURIComponent(q)}`).expect(200);
      expect(res.body.data).toHaveLength(expected);
    });

    it('refuses a malformed cursor, a bad limit, a short search and an unknown filter with a 400', async () => {
      for (const query of [
        'cursor=garbage',
        'limit=0',
        'limit=201',
        'q=ab',
        'status=deleted',
        'sort=name',
        'created_from=yesterday',
      ]) {
        const res = await list(query);
        expect([query, res.status]).toEqual([query, 400]);
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
    });

    it("never lists another tenant's customers", async () => {
      const res = await request(t.url)
        .get('/v1/customers?limit=200')
        .set({ authorization: `Bearer ${foreignAdmin}` })
        .expect(200);
      expect(res.body.data.every((c: { name: string }) => !c.name.startsWith('Listed'))).toBe(true);
    });
  });

  describe('status changes', () => {
    const statusOf = async (id: string) =>
      (await t.db.query('SELECT status FROM customers WHERE id = $1', [id])).rows[0].status as string;
    const changeStatus = (id: string, status: string, role: Role = 'manager') =>
      request(t.url).post(`/v1/customers/${id}/status`).set(as(role)).send({ status, reason: 'test' });
    const customerIn = async (status: 'active' | 'inactive' | 'blocked') => {
      const id = (await create({ name: `Status ${status}`, currency: 'KES' })).body.id as string;
      if (status === 'inactive') await changeStatus(id, 'inactive').expect(200);
      if (status === 'blocked') await changeStatus(id, 'blocked').expect(200);
      return id;
    };

    it.each([
      ['active', 'inactive'],
      ['inactive', 'active'],
      ['active', 'blocked'],
      ['inactive', 'blocked'],
      ['blocked', 'active'],
    ] as const)('allows %s → %s, with audit, event and metric', async (from, to) => {
      const id = await customerIn(from);
      const metric = new RegExp(
        `^customer_status_changed_total\\{company_id="${companyId}",from_status="${from}",to_status="${to}"\\}`,
      );
      const before = await metricValue(metric);
      const res = await changeStatus(id, to).expect(200);
      expect(res.body.status).toBe(to);
      expect(await metricValue(metric)).toBe(before + 1);
      const audit = await t.db.query(
        `SELECT changes, reason FROM customer_audit_log WHERE customer_id = $1 AND action = 'status_changed' ORDER BY id DESC LIMIT 1`,
        [id],
      );
      expect(audit.rows[0]).toEqual({ changes: { status: { before: from, after: to } }, reason: 'test' });
      await waitFor(
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM probe_events WHERE customer_id = $1 AND type = 'CustomerStatusChanged' AND metadata->>'to_status' = $2`,
              [id, to],
            )
          ).rowCount,
        { what: 'CustomerStatusChanged' },
      );
    });

    it.each([
      ['active', 'active'],
      ['inactive', 'inactive'],
      ['blocked', 'blocked'],
      ['blocked', 'inactive'],
    ] as const)('refuses %s → %s with a 409 naming the transition', async (from, to) => {
      const id = await customerIn(from);
      const res = await changeStatus(id, to).expect(409);
      expect(res.body.detail).toBe(`A customer cannot go from ${from} to ${to}`);
      expect(await statusOf(id)).toBe(from);
    });

    it('lets only managers and admins change status, and needs a reason and a known status', async () => {
      const id = await customerIn('blocked');
      await changeStatus(id, 'active', 'agent').expect(403);
      await request(t.url)
        .post(`/v1/customers/${id}/status`)
        .set(as('manager'))
        .send({ status: 'active' })
        .expect(400);
      await request(t.url)
        .post(`/v1/customers/${id}/status`)
        .set(as('manager'))
        .send({ status: 'gone', reason: 'x' })
        .expect(400);
      expect(await statusOf(id)).toBe('blocked');
      await changeStatus(id, 'active', 'admin').expect(200);
    });
  });

  describe('contacts and communications', () => {
    let id: string;
    beforeAll(async () => {
      id = (await create({ name: 'Contactable', currency: 'KES' })).body.id as string;
    });

    it('adds contacts, allowing at most one primary (enforced by the database)', async () => {
      const metric = new RegExp(
        `^customer_contact_created_total\\{company_id="${companyId}",contact_type="billing",is_primary="true"\\}`,
      );
      const before = await metricValue(metric);
      await request(t.url)
        .post(`/v1/customers/${id}/contacts`)
        .set(as('agent'))
        .send({ name: 'Pat', email: 'pat@contact.test', contact_type: 'billing', is_primary: true })
        .expect(201);
      const second = await request(t.url)
        .post(`/v1/customers/${id}/contacts`)
        .set(as('agent'))
        .send({ name: 'Sam', contact_type: 'technical', is_primary: true })
        .expect(409);
      expect(second.body.type).toMatch(/customer-primary-contact-exists$/);
      await request(t.url)
        .post(`/v1/customers/${id}/contacts`)
        .set(as('agent'))
        .send({ name: 'Sam', contact_type: 'technical' })
        .expect(201);
      await request(t.url)
        .post(`/v1/customers/${id}/contacts`)
        .set(as('agent'))
        .send({ name: 'X', contact_type: 'boss' })
        .expect(400);
      const listed = await request(t.url).get(`/v1/customers/${id}/contacts`).set(as('viewer')).expect(200);
      expect(
        listed.body.data.map((c: { name: string; is_primary: boolean }) => [c.name, c.is_primary]),
      ).toEqual([
        ['Pat', true],
        ['Sam', false],
      ]);
      expect(await metricValue(metric)).toBe(before + 1);
      expect(
        await count(
          `SELECT count(*) AS n FROM customer_audit_log WHERE customer_id = $1 AND entity_type = 'contact'`,
          [id],
        ),
      ).toBe(2);
      // Racing primaries: the database lets exactly one win.
      const other = (await create({ name: 'Racing', currency: 'KES' })).body.id as string;
      const race = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          request(t.url)
            .post(`/v1/customers/${other}/contacts`)
            .set(as('agent'))
            .send({ name: `P${i}`, contact_type: 'primary', is_primary: true }),
        ),
      );
      expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    it('logs communications and lists them newest first, paginated', async () => {
      const metric = new RegExp(
        `^customer_communication_logged_total\\{company_id="${companyId}",channel="phone",direction="inbound"\\}`,
      );
      const before = await metricValue(metric);
      for (const [i, at] of [
        '2026-01-01T10:00:00Z',
        '2026-03-01T10:00:00Z',
        '2026-02-01T10:00:00Z',
      ].entries()) {
        await request(t.url)
          .post(`/v1/customers/${id}/communications`)
          .set(as('agent'))
          .send({
            channel: 'phone',
            direction: 'inbound',
            subject: `Call ${i}`,
            body: 'Asked about invoice',
            occurred_at: at,
          })
          .expect(201);
      }
      expect(await metricValue(metric)).toBe(before + 3);
      const first = await request(t.url)
        .get(`/v1/customers/${id}/communications?limit=2`)
        .set(as('viewer'))
        .expect(200);
      expect(first.body.data.map((c: { subject: string }) => c.subject)).toEqual(['Call 1', 'Call 2']);
      const second = await request(t.url)
        .get(`/v1/customers/${id}/communications?limit=2&cursor=${first.body.next_cursor}`)
        .set(as('viewer'))
        .expect(200);
      expect(second.body.data.map((c: { subject: string }) => c.subject)).toEqual(['Call 0']);
      expect(second.body.next_cursor).toBeNull();
      await request(t.url)
        .post(`/v1/customers/${id}/communications`)
        .set(as('agent'))
        .send({ channel: 'fax', direction: 'inbound', body: 'x' })
        .expect(400);
    });
  });

  describe('audit trail', () => {
    it('is readable by managers and admins only, newest first', async () => {
      const id = (await create({ name: 'Audited', currency: 'KES' })).body.id as string;
      await request(t.url)
        .patch(`/v1/customers/${id}`)
        .set(as('agent'))
        .send({ name: 'Audited Ltd' })
        .expect(200);
      await request(t.url).get(`/v1/customers/${id}/audit`).set(as('agent')).expect(403);
      const res = await request(t.url)
        .get(`/v1/customers/${id}/audit`)
        .set(as('manager'))
        .set('x-request-id', 'audit-read')
        .expect(200);
      expect(res.body.data.map((e: { action: string }) => e.action)).toEqual(['updated', 'created']);
      expect(res.body.data[0]).toMatchObject({
        actor_user_id: 'agent-user',
        changes: { name: { before: 'Audited', after: 'Audited Ltd' } },
      });
      await expect(t.db.query(`DELETE FROM customer_audit_log WHERE customer_id = $1`, [id])).rejects.toThrow(
        /append-only/,
      );
      await expect(
        t.db.query(`UPDATE customer_audit_log SET action = 'x' WHERE customer_id = $1`, [id]),
      ).rejects.toThrow(/append-only/);
    });
  });

  describe('delete, restore and erasure', () => {
    const del = (id: string, query: string, role: Role = 'manager') =>
      request(t.url).delete(`/v1/customers/${id}?${query}`).set(as(role));

    it('soft-deletes (hidden from reads and lists), and an admin restores', async () => {
      const id = (await create({ name: 'Soft Delete Me', currency: 'KES' })).body.id as string;
      const metric = new RegExp(`^customer_deleted_total\\{company_id="${companyId}",reason="duplicate"\\}`);
      const before = await metricValue(metric);
      await del(id, 'reason=duplicate').expect(204);
      expect(await metricValue(metric)).toBe(before + 1);
      await request(t.url).get(`/v1/customers/${id}`).set(as('manager')).expect(404);
      const listed = await request(t.url).get('/v1/customers?q=soft%20delete').set(as('manager')).expect(200);
      expect(listed.body.data).toHaveLength(0);
      const withDeleted = await request(t.url)
        .get('/v1/customers?q=soft%20delete&include_deleted=true')
        .set(as('admin'))
        .expect(200);
      expect(withDeleted.body.data).toHaveLength(1);
      await request(t.url).get('/v1/customers?include_deleted=true').set(as('manager')).expect(403);
      await request(t.url).post(`/v1/customers/${id}/restore`).set(as('manager')).expect(403);
      await request(t.url).post(`/v1/customers/${id}/restore`).set(as('admin')).expect(200);
      await request(t.url).get(`/v1/customers/${id}`).set(as('viewer')).expect(200);
      await waitFor(
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM probe_events WHERE customer_id = $1 AND type = 'CustomerDeleted' AND metadata->>'mode' = 'soft'`,
              [id],
            )
          ).rowCount,
        { what: 'CustomerDeleted' },
      );
    });

    it('needs a known reason, and the right role for each mode', async () => {
      const id = (await create({ name: 'Guarded', currency: 'KES' })).body.id as string;
      await del(id, '').expect(400);
      await del(id, 'reason=because').expect(400);
      await del(id, 'reason=duplicate', 'agent').expect(403);
      await del(id, 'reason=gdpr_erasure&mode=hard', 'manager').expect(403);
      await del(id, 'reason=duplicate&mode=wipe', 'admin').expect(400);
      expect(
        await count('SELECT count(*) AS n FROM customers WHERE id = $1 AND deleted_at IS NULL', [id]),
      ).toBe(1);
    });

    it('hard-deletes a customer without financial records, keeping only the audit trail', async () => {
      const id = (await create({ name: 'Erase Me', email: 'erase@me.test', currency: 'KES' })).body
        .id as string;
      await request(t.url)
        .post(`/v1/customers/${id}/contacts`)
        .set(as('agent'))
        .send({ name: 'C', email: 'c@me.test', contact_type: 'other' })
        .expect(201);
      await del(id, 'reason=gdpr_erasure&mode=hard', 'admin').expect(204);
      expect(await count('SELECT count(*) AS n FROM customers WHERE id = $1', [id])).toBe(0);
      expect(await count('SELECT count(*) AS n FROM customer_contacts WHERE customer_id = $1', [id])).toBe(0);
      const audit = await t.db.query(
        'SELECT action, changes::text AS changes FROM customer_audit_log WHERE customer_id = $1 ORDER BY id',
        [id],
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['created', 'contact_created', 'hard_deleted']);
      expect(audit.rows.map((r) => r.changes).join(' ')).not.toMatch(/erase@me\.test|Erase Me|c@me\.test/);
    });

    it('anonymizes instead of deleting when the customer has financial records (SOX)', async () => {
      const id = (
        await create({
          name: 'Keep Books',
          email: 'books@keep.test',
          phone: '+254700111222',
          currency: 'KES',
        })
      ).body.id as string;
      await request(t.url)
        .post(`/v1/customers/${id}/communications`)
        .set(as('agent'))
        .send({ channel: 'email', direction: 'outbound', subject: 'Hi Keep', body: 'Dear Keep Books' })
        .expect(201);
      await t.db.query(
        `INSERT INTO invoices (company_id, customer_id, invoice_number, currency, status, subtotal_minor, total_minor,
                               balance_minor, issued_at, issue_date, due_date)
         VALUES ($1, $2, $3, 'KES', 'open', 5000, 5000, 5000, now(), current_date, current_date)`,
        [companyId, id, `INV-${randomUUID().slice(0, 8)}`],
      );
      await del(id, 'reason=gdpr_erasure&mode=hard', 'admin').expect(204);
      const { rows } = await t.db.query(
        'SELECT name, email, phone, anonymized_at, deleted_at FROM customers WHERE id = $1',
        [id],
      );
      expect(rows[0]).toMatchObject({ name: 'Erased customer', email: null, phone: null });
      expect(rows[0].anonymized_at).not.toBeNull();
      expect(await count('SELECT count(*) AS n FROM invoices WHERE customer_id = $1', [id])).toBe(1);
      const comms = await t.db.query(
        'SELECT subject, body FROM customer_communications WHERE customer_id = $1',
        [id],
      );
      expect(comms.rows).toEqual([{ subject: null, body: '[erased]' }]);
      const audit = await request(t.url).get(`/v1/customers/${id}/audit`).set(as('admin')).expect(200);
      expect(JSON.stringify(audit.body)).not.toMatch(/books@keep\.test|Keep Books|254700111222/);
      expect(audit.body.data[0]).toMatchObject({ action: 'anonymized', reason: 'gdpr_erasure' });
      await waitFor(
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM probe_events WHERE customer_id = $1 AND type = 'CustomerDeleted' AND metadata->>'mode' = 'anonymized'`,
              [id],
            )
          ).rowCount,
        { what: 'CustomerDeleted (anonymized)' },
      );
      await request(t.url).post(`/v1/customers/${id}/restore`).set(as('admin')).expect(404);
    });
  });

  describe('customer portal tokens', () => {
    it('see only their own customer record', async () => {
      const own = (await create({ name: 'Portal Own', currency: 'KES' })).body.id as string;
      const other = (await create({ name: 'Portal Other', currency: 'KES' })).body.id as string;
      const portal = await t.token({ companyId, roles: ['customer'], customerId: own });
      const auth = { authorization: `Bearer ${portal}` };
      await request(t.url).get(`/v1/customers/${own}`).set(auth).expect(200);
      await request(t.url).get(`/v1/customers/${other}`).set(auth).expect(404);
      const listed = await request(t.url).get('/v1/customers').set(auth).expect(200);
      expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([own]);
      await request(t.url).get(`/v1/customers/${own}/contacts`).set(auth).expect(200);
      await request(t.url).get(`/v1/customers/${own}/communications`).set(auth).expect(403);
      await request(t.url).patch(`/v1/customers/${own}`).set(auth).send({ name: 'Me' }).expect(403);
    });
  });

  describe('logs', () => {
    it('write one line per operation with operation, source, duration and ids, PII masked', async () => {
      const res = await create({
        name: 'Logged Co',
        email: 'logged@co.test',
        phone: '+254711222333',
        currency: 'KES',
      });
      const line = t.logs.find(
        (entry) => entry.operation === 'customer.create' && entry.customer_id === res.body.id,
      );
      expect(line).toMatchObject({
        level: 'info',
        operation: 'customer.create',
        source: 'api',
        company_id: companyId,
        user_id: 'agent-user',
        customer_number: res.body.customer_number,
        duration_ms: expect.any(Number),
      });
      const text = JSON.stringify(t.logs);
      expect(text).not.toContain('logged@co.test');
      expect(text).not.toContain('254711222333');
    });
  });

  describe('CLI', () => {
    it('customers:create makes a customer with source cli', async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          join(__dirname, '..', 'dist', 'src', 'cli.js'),
          'customers:create',
          '--company',
          companyId,
          '--name',
          'Made By CLI',
          '--currency',
          'usd',
          '--tag',
          'cli',
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: t.databaseUrl,
            REDIS_URL: t.config.REDIS_URL,
            REDIS_PREFIX: t.config.REDIS_PREFIX,
            JWT_SECRET: TEST_JWT_SECRET,
            MIGRATIONS_RUN: 'false',
          },
        },
      );
      const created = JSON.parse(stdout.trim()) as {
        id: string;
        source: string;
        currency: string;
        tags: string[];
      };
      expect(created).toMatchObject({ source: 'cli', currency: 'USD', tags: ['cli'] });
      const res = await request(t.url).get(`/v1/customers/${created.id}`).set(as('viewer')).expect(200);
      expect(res.body.name).toBe('Made By CLI');
    });
  });
});
