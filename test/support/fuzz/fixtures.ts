import { randomBytes, randomUUID } from 'node:crypto';
import { send } from './client';

const idOf = (record?: Record<string, unknown>): string | undefined =>
  typeof record?.id === 'string' ? record.id : undefined;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * A small, real data set of one tenant, made through the API. Every private record carries the tenant's
 * marker (`zz-tenant-a-<random>-…`); records the first customer owns carry `<marker>-c1-`. Records that are
 * public by design (published KB articles, maintenance windows: anyone may read them by company id) carry
 * a different `zz-public-…` marker and their ids are not secret.
 */
export interface TenantFixtures {
  companyId: string;
  /** Appears in every private record of the tenant; never in a generated request. */
  marker: string;
  /** Appears in the first customer's own records (a portal customer other than c1 must never see it). */
  customerOneMarker: string;
  customerOne: string;
  customerTwo: string;
  /** Real ids by resource kind, for path parameters and *_id fields. */
  ids: Record<string, string[]>;
  /** Every uuid of the tenant's private records (public ones removed). */
  secretIds: Set<string>;
  /** The ids of the first customer's own records. */
  customerOneIds: Set<string>;
  deviceKeys: string[];
  idempotencyKeys: string[];
  /** Fixture steps the API refused (reported, not fatal: those kinds fall back to random ids). */
  problems: string[];
}

export async function createTenantFixtures(
  url: string,
  letter: 'a' | 'b',
  companyId: string,
  adminToken: string,
): Promise<TenantFixtures> {
  const random = randomBytes(4).toString('hex');
  const marker = `zz-tenant-${letter}-${random}`;
  const publicMarker = `zz-public-${letter}-${random}`;
  const ids: Record<string, string[]> = {};
  const privateUuids = new Set<string>();
  const publicUuids = new Set<string>();
  const customerOneIds = new Set<string>();
  const problems: string[] = [];
  const deviceKeys: string[] = [];
  const idempotencyKeys: string[] = [];
  const add = (kind: string, id: unknown) => {
    if (typeof id === 'string' && id) (ids[kind] ??= []).push(id);
  };

  const call = async (
    method: string,
    path: string,
    body: unknown,
    visibility: 'private' | 'public' | 'customer-one',
    headers: Record<string, string> = {},
  ): Promise<Record<string, unknown> | undefined> => {
    const res = await send(
      url,
      method,
      path,
      {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (res.status < 200 || res.status >= 300) {
      problems.push(`${method} ${path} → ${res.status} ${res.body.slice(0, 300)}`);
      return undefined;
    }
    for (const id of res.body.match(UUID) ?? [])
      (visibility === 'public' ? publicUuids : privateUuids).add(id.toLowerCase());
    try {
      const parsed = JSON.parse(res.body) as Record<string, unknown>;
      if (visibility === 'customer-one' && typeof parsed.id === 'string') customerOneIds.add(parsed.id);
      return parsed;
    } catch {
      return {};
    }
  };

  await call('PATCH', `/v1/companies/${companyId}`, { name: `${marker}-t-company` }, 'private');
  add('company', companyId);

  const c1 = await call(
    'POST',
    '/v1/customers',
    { name: `${marker}-c1-customer`, currency: 'KES', email: `c1-${random}@example.test`, tags: ['fuzz'] },
    'customer-one',
  );
  const c2 = await call(
    'POST',
    '/v1/customers',
    { name: `${marker}-c2-customer`, currency: 'KES' },
    'private',
  );
  if (!c1?.id || !c2?.id) throw new Error(`fixture customers refused: ${problems.join('; ')}`);
  const customerOne = idOf(c1)!;
  const customerTwo = idOf(c2)!;
  add('customer', customerOne);
  add('customer', customerTwo);

  await call(
    'POST',
    `/v1/customers/${customerOne}/contacts`,
    { name: `${marker}-c1-contact`, contact_type: 'billing', email: `contact-${random}@example.test` },
    'customer-one',
  );
  await call(
    'POST',
    `/v1/customers/${customerOne}/communications`,
    { channel: 'note', direction: 'inbound', body: `${marker}-c1-communication` },
    'customer-one',
  );

  const invoice = await call(
    'POST',
    '/v1/invoices',
    {
      customer_id: customerOne,
      lines: [{ description: `${marker}-c1-invoice-line`, quantity: 2, unit_price_minor: 5000 }],
      issue_date: new Date().toISOString().slice(0, 10),
      due_date: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    },
    'customer-one',
  );
  add('invoice', invoice?.id);
  if (invoice?.id) await call('POST', `/v1/invoices/${idOf(invoice)!}/issue`, {}, 'customer-one');
  const draft = await call(
    'POST',
    '/v1/invoices',
    {
      customer_id: customerOne,
      lines: [{ description: `${marker}-c1-draft-line`, quantity: '1.5', unit_price_minor: 100 }],
      payment_terms_days: 14,
    },
    'customer-one',
  );
  add('invoice', draft?.id);

  const ticket = await call(
    'POST',
    '/v1/tickets',
    {
      subject: `${marker}-c1-ticket`,
      description: `${marker}-c1-ticket-description`,
      category: 'billing',
      customer_id: customerOne,
    },
    'customer-one',
  );
  add('ticket', ticket?.id);
  if (ticket?.id)
    await call(
      'POST',
      `/v1/tickets/${idOf(ticket)!}/comments`,
      { body: `${marker}-c1-comment` },
      'customer-one',
    );

  const pkg = await call(
    'POST',
    '/v1/packages',
    { name: `${marker}-t-package`, price_minor: 100, currency: 'KES', duration_seconds: 3600 },
    'private',
  );
  add('package', pkg?.id);

  const sessionKey = `fuzz-${letter}-${random}-session`;
  idempotencyKeys.push(sessionKey);
  if (pkg?.id) {
    const session = await call(
      'POST',
      '/v1/sessions',
      { customer_id: customerOne, package_id: pkg.id, phone: '+254700000001' },
      'customer-one',
      { 'idempotency-key': sessionKey },
    );
    add('session', session?.id);
    const payment = session?.payment as { id?: string } | undefined;
    add('payment', session?.payment_id ?? payment?.id);
  }
  if (invoice?.id) {
    const paymentKey = `fuzz-${letter}-${random}-payment`;
    idempotencyKeys.push(paymentKey);
    const payment = await call(
      'POST',
      '/v1/payments',
      {
        customer_id: customerOne,
        amount_minor: 100,
        currency: 'KES',
        method: 'bank_transfer',
        purpose_type: 'invoice',
        purpose_id: invoice.id,
      },
      'customer-one',
      { 'idempotency-key': paymentKey },
    );
    add('payment', payment?.id);
  }

  const statement = await call(
    'POST',
    `/v1/customers/${customerOne}/statements`,
    { format: 'csv' },
    'customer-one',
  );
  add('statement', statement?.id);
  const lastMonth = new Date();
  lastMonth.setUTCDate(1);
  lastMonth.setUTCMonth(lastMonth.getUTCMonth() - 1);
  const run = await call(
    'POST',
    '/v1/statements/runs',
    { period: lastMonth.toISOString().slice(0, 7), delivery_method: 'download' },
    'private',
  );
  add('statement-run', run?.id);

  const draftArticle = await call(
    'POST',
    '/v1/kb/articles',
    {
      title: `${marker}-t-kb-draft`,
      body: `${marker}-t-kb-draft-body`,
      category: 'general',
      slug: `draft-${letter}-${random}`,
    },
    'private',
  );
  add('article', draftArticle?.id);
  const publishedArticle = await call(
    'POST',
    '/v1/kb/articles',
    {
      title: `${publicMarker}-kb-published`,
      body: `${publicMarker}-kb-published-body`,
      category: 'general',
      status: 'published',
      slug: `published-${letter}-${random}`,
    },
    'public',
  );
  add('article', publishedArticle?.id);

  const webhook = await call(
    'POST',
    '/v1/webhooks',
    { url: `https://example.com/${marker}-t-webhook`, event_types: ['CustomerCreated'] },
    'private',
  );
  add('webhook', webhook?.id);

  const startsAt = new Date(Date.now() + 3 * 86_400_000);
  const maintenance = await call(
    'POST',
    '/v1/maintenance',
    {
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 7_200_000).toISOString(),
      services: ['wifi'],
      severity: 'minor',
      message: `${publicMarker}-maintenance`,
    },
    'public',
  );
  add('maintenance', maintenance?.id);

  const adjustment = await call(
    'POST',
    `/v1/customers/${customerOne}/credit/adjustments`,
    { adjustment_type: 'increase', amount_minor: 5000, reason: `${marker}-c1-credit` },
    'customer-one',
  );
  add('credit-adjustment', adjustment?.id);

  if (pkg?.id) {
    const batch = await call(
      'POST',
      '/v1/vouchers/batches',
      { package_id: pkg.id, count: 2, note: `${marker}-t-vouchers` },
      'private',
    );
    add('voucher-batch', batch?.id);
  }

  const device = await call('POST', '/v1/access-devices', { name: `${marker}-t-device` }, 'private');
  add('access-device', device?.id);
  if (typeof device?.key === 'string') deviceKeys.push(device.key);

  const staffId = `staff-${letter}-${random}`;
  await call('PUT', `/v1/staff/${staffId}`, { name: `${marker}-t-staff`, roles: ['agent'] }, 'private');
  add('staff', staffId);

  const notification = await call(
    'POST',
    '/v1/notifications',
    {
      type: 'maintenance.scheduled',
      data: {
        service: `${marker}-t-notification`,
        starts_at: new Date(Date.now() + 86_400_000).toISOString(),
        ends_at: new Date(Date.now() + 90_000_000).toISOString(),
        message: `${marker}-t-notification`,
      },
      recipients: [{ kind: 'user', id: staffId, channels: ['in_app'] }],
    },
    'private',
  );
  add('notification', notification?.id);

  const bank = await call(
    'POST',
    `/v1/customers/${customerOne}/bank-accounts`,
    { account_holder_name: `${marker}-c1-bank`, account_type: 'checking', iban: 'GB82WEST12345698765432' },
    'customer-one',
  );
  add('bank-account-request', bank?.id ?? bank?.request_id);

  const snapshot = await call('POST', '/v1/aging/snapshots', {}, 'private');
  add('aging-snapshot', snapshot?.id);
  const exported = await call('POST', '/v1/customers/exports?format=csv', undefined, 'private');
  add('export', exported?.id);

  // Names rather than ids: the same for both tenants.
  ids.category = ['billing', 'technical'];
  ids.calendar = ['default', 'fuzz'];
  ids['error-type'] = ['timeout', 'insufficient_funds'];
  ids.provider = ['mobile_money', 'card'];

  for (const id of publicUuids) privateUuids.delete(id);
  return {
    companyId,
    marker,
    customerOneMarker: `${marker}-c1-`,
    customerOne,
    customerTwo,
    ids,
    secretIds: privateUuids,
    customerOneIds: new Set([...customerOneIds].filter((id) => !publicUuids.has(id))),
    deviceKeys,
    idempotencyKeys,
    problems,
  };
}

export const newCompanyId = (): string => randomUUID();
