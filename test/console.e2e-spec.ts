import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import request from 'supertest';
// The app first: it loads every module in dependency order before a module is imported on its own.
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/app';
import { BankAccountsSettings } from '../src/modules/bank-accounts/bank-accounts.settings';
import { PaymentReconciler } from '../src/modules/payments/payment-reconciler';
import { DEFAULT_RESPONSE_TEMPLATES } from '../src/modules/journeys/journey-guidance';
import { startTestGatewaySim, TEST_GATEWAY_SECRET } from './support/gateway-sim';
import { HttpStub, SmtpSink } from './support/peers';
import { waitFor } from './support/wait';

/**
 * Issue 13's support console, in Debian's Chromium driven by Playwright, against the real service (the
 * built page from dist/console, served by the app; data seeded through the API and its real flows: a bank
 * account setup stuck on the gateway simulator's failing /bank/validate, a declined mobile-money payment, a
 * ticket, a voucher session with usage, a failed SMS). Run `npm run build` first: the page is a build output.
 */
const CONSOLE_DIR = resolve(__dirname, '..', 'dist', 'console');
const ARTIFACTS = resolve(__dirname, '..', 'test-artifacts', 'console');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The viewer's zone and locale: every time on the page must be in this zone, not the server's or UTC. */
const ZONE = 'Africa/Nairobi';
const LOCALE = 'en-GB';
const VIEWPORT = { width: 1366, height: 768 };

const ACCOUNT_NUMBER = '73519846299';
const ROUTING = '021000021';
const PHONE_BROKE = '+254700000011'; // the simulator answers result 1: insufficient balance
const SMS_KEY = 'test-sms-key-console';
const MB = 1_000_000;
const JS_BUDGET_GZIP = 200 * 1024;
const RENDER_BUDGET_MS = 300;

/** The browser globals the page.evaluate callbacks use (the test is compiled without the DOM library). */
interface InPage {
  document: {
    activeElement: { tagName: string; id: string; textContent: string | null } | null;
  };
  sessionStorage: { length: number; getItem(key: string): string | null };
  navigator: { clipboard: { readText(): Promise<string> } };
  __consoleMetrics?: { customer?: { id: string; ms: number; commitMs: number; layoutMs: number } };
}

interface Captured {
  url: string;
  status: number;
  body: string;
}

/** Polls `probe` until it equals `expected` (the page updates asynchronously), then asserts it. */
async function settle<T>(probe: () => Promise<T>, expected: T, what: string): Promise<void> {
  let last: T | undefined;
  await waitFor(
    async () => {
      last = await probe();
      return JSON.stringify(last) === JSON.stringify(expected);
    },
    { what, timeoutMs: 10_000 },
  ).catch(() => undefined);
  expect(last).toEqual(expected);
}

/** Luhn-valid digit runs of 13–19 digits: what a card number (PAN) looks like. */
function luhnRuns(text: string): string[] {
  const runs = text.match(/(?<!\d)\d{13,19}(?!\d)/g) ?? [];
  return runs.filter((run) => {
    let sum = 0;
    for (let i = 0; i < run.length; i += 1) {
      let digit = Number(run[run.length - 1 - i]);
      if (i % 2 === 1) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    return sum % 10 === 0;
  });
}

describe('Support console in the browser (issue 13)', () => {
  let t: TestApp;
  let sim: Awaited<ReturnType<typeof startTestGatewaySim>>;
  let smtp: SmtpSink;
  let sms: HttpStub;
  let browser: Browser;
  let agentContext: BrowserContext;
  let page: Page;
  const companyId = randomUUID();
  const tokens = { admin: '', manager: '', agent: '', viewer: '' };
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  let customer: { id: string; customer_number: string; name: string };
  let ticket: { id: string; ticket_number: string; created_at: string };
  let deviceKey = '';
  let voucherCode = '';
  let bankRequestId = '';
  let bankTraceId = '';
  /** Every /v1/ answer any console page received, and the ones still being read. */
  const captured: Captured[] = [];
  const reading: Array<Promise<void>> = [];
  const pageErrors: string[] = [];

  const consoleUrl = (hash = '') => `${t.url}/console${hash}`;

  function watch(context: BrowserContext): void {
    context.on('response', (response) => {
      const url = response.url();
      if (!new URL(url).pathname.startsWith('/v1/')) return;
      reading.push(
        response.text().then(
          (body) => void captured.push({ url, status: response.status(), body }),
          () => undefined, // a response the page navigated away from before its body was read
        ),
      );
    });
    context.on('page', (p) => {
      p.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
      p.on('console', (message) => {
        // A refused action's 403 is logged by Chromium as "Failed to load resource": expected, not an app error.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
          pageErrors.push(`console: ${message.text()}`);
      });
    });
  }

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: ZONE, locale: LOCALE });
    watch(context);
    return context;
  }

  async function signIn(p: Page, token: string, hash = ''): Promise<void> {
    await p.goto(consoleUrl(hash));
    await p.getByLabel('Staff token').fill(token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  const screenshot = (p: Page, name: string) =>
    p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  const hits = (p: Page) => p.getByRole('list', { name: 'Matching customers' }).getByRole('listitem');

  async function seed(): Promise<void> {
    await t.db.query(`INSERT INTO companies (id, name) VALUES ($1, 'Acme Telecom')`, [companyId]);
    const newCustomer = async (name: string, phone?: string) =>
      (
        await request(t.url)
          .post('/v1/customers')
          .set(as(tokens.agent))
          .send({
            name,
            email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`,
            phone,
            currency: 'KES',
          })
          .expect(201)
      ).body as { id: string; customer_number: string; name: string };
    customer = await newCustomer('Wanjiru Kamau', '+254 712 345678');
    await newCustomer('Wanjiru Njeri', '+254 733 000111');
    await newCustomer('Brian Otieno');

    // Credit: a limit (requested by an agent, approved by a manager) and an invoice 45 days past due.
    const adjustment = await request(t.url)
      .post(`/v1/customers/${customer.id}/credit/adjustments`)
      .set(as(tokens.agent))
      .send({ adjustment_type: 'increase', amount_minor: 500_000, reason: 'Good payer' })
      .expect(201);
    await request(t.url)
      .post(`/v1/credit/adjustments/${adjustment.body.id}/approve`)
      .set(as(tokens.manager))
      .send({})
      .expect(200);
    const issued = new Date(Date.now() - 45 * 86_400_000).toISOString().slice(0, 10);
    const invoice = await request(t.url)
      .post('/v1/invoices')
      .set(as(tokens.agent))
      .send({
        customer_id: customer.id,
        issue_date: issued,
        payment_terms_days: 0,
        lines: [{ description: 'Fibre, monthly', quantity: 1, unit_price_minor: 100_000 }],
      })
      .expect(201);
    await request(t.url)
      .post(`/v1/invoices/${invoice.body.id}/issue`)
      .set(as(tokens.agent))
      .send({})
      .expect(200);

    // A mobile-money payment the customer's phone declines (insufficient balance: error code 1).
    const payment = await request(t.url)
      .post('/v1/payments')
      .set(as(tokens.agent))
      .set('idempotency-key', randomUUID())
      .send({
        customer_id: customer.id,
        amount_minor: 40_000,
        currency: 'KES',
        method: 'mobile_money',
        purpose_type: 'invoice',
        purpose_id: invoice.body.id,
        phone: PHONE_BROKE,
      })
      .expect(201);
    const declined = async () => {
      const res = await request(t.url).get(`/v1/payments/${payment.body.id}`).set(as(tokens.agent));
      return res.body.status === 'failed' ? res.body : undefined;
    };
    await waitFor(
      () => sim.callbacks().some((c) => c.dropped || c.status !== undefined || c.error !== undefined),
      {
        what: "the gateway's callback",
        timeoutMs: 20_000,
      },
    );
    const settledByCallback = await waitFor(declined, {
      what: 'the declined payment',
      timeoutMs: 5_000,
    }).catch(() => undefined);
    if (!settledByCallback) {
      // On a loaded machine the callback can beat the commit of the gateway reference (the API answers it
      // 404 and the provider does not resend), as callbacks do get lost; the reconciliation job settles such
      // intents: run it now.
      await t.app.get(PaymentReconciler).reconcile(0);
      await waitFor(declined, { what: 'the declined payment, reconciled', timeoutMs: 10_000 });
    }

    // A ticket (the customer is emailed a confirmation), with its SLA.
    const submitted = await request(t.url)
      .post('/v1/tickets')
      .set(as(tokens.agent))
      .send({
        subject: 'Bank account setup stuck',
        description: 'I added my bank account yesterday and nothing happened.',
        category: 'billing',
        priority: 'high',
        customer_id: customer.id,
      })
      .expect(201);
    ticket = submitted.body;

    // A WiFi session from a voucher, with usage reported by an access controller.
    const pkg = await request(t.url)
      .post('/v1/packages')
      .set(as(tokens.admin))
      .send({
        name: 'Daily 1 GB',
        price_minor: 5_000,
        currency: 'KES',
        duration_seconds: 86_400,
        data_cap_bytes: 1_000_000_000,
        services: ['wifi-cbd'],
      })
      .expect(201);
    const batch = await request(t.url)
      .post('/v1/vouchers/batches')
      .set(as(tokens.admin))
      .send({ package_id: pkg.body.id, count: 1 })
      .expect(201);
    voucherCode = batch.body.codes[0];
    const session = await request(t.url)
      .post('/v1/sessions')
      .set(as(tokens.agent))
      .set('idempotency-key', randomUUID())
      .send({ voucher_code: voucherCode, customer_id: customer.id })
      .expect(201);
    deviceKey = (
      await request(t.url)
        .post('/v1/access-devices')
        .set(as(tokens.admin))
        .send({ name: 'cbd-1' })
        .expect(201)
    ).body.key;
    await request(t.url)
      .post(`/v1/sessions/${session.body.id}/usage`)
      .set('x-device-key', deviceKey)
      .send({ sequence: 1, bytes_in: 3 * MB, bytes_out: 1 * MB })
      .expect(200);

    // A status change the customer is told about; the SMS provider refuses it (a failed delivery).
    sms.status = 422;
    await request(t.url)
      .post(`/v1/customers/${customer.id}/status`)
      .set(as(tokens.manager))
      .send({ status: 'inactive', reason: 'Payment review' })
      .expect(200);
    await waitFor(
      async () => {
        const res = await request(t.url)
          .get(`/v1/notifications/deliveries?recipient_id=${customer.id}&channel=sms`)
          .set(as(tokens.admin));
        return res.body.data?.[0]?.status === 'failed';
      },
      { what: 'the refused SMS', timeoutMs: 20_000 },
    );

    // The bank account setup: the validation service answers 500, so the request waits at external
    // validation (seed 000's external_service_error) and, past the stage's normal time, is stuck.
    sim.control({ fail_status: 500, fault_paths: ['/bank/'] });
    const bank = await request(t.url)
      .post(`/v1/customers/${customer.id}/bank-accounts`)
      .set(as(tokens.agent))
      .send({
        account_holder_name: 'Wanjiru Kamau',
        account_type: 'checking',
        routing_number: ROUTING,
        account_number: ACCOUNT_NUMBER,
      })
      .expect(202);
    bankRequestId = bank.body.id;
    bankTraceId = bank.body.trace_id;
    await waitFor(
      async () => {
        const res = await request(t.url)
          .get(`/v1/bank-accounts/requests/${bankRequestId}`)
          .set(as(tokens.agent));
        return res.body.status === 'waiting_external';
      },
      { what: 'the bank account setup waiting on the validation service', timeoutMs: 20_000 },
    );
    await waitFor(
      async () => {
        const res = await request(t.url).get('/v1/console/stuck').set(as(tokens.agent));
        return JSON.stringify(res.body).includes(customer.id);
      },
      { what: 'the customer listed as stuck', timeoutMs: 20_000 },
    );
  }

  beforeAll(async () => {
    if (!existsSync(join(CONSOLE_DIR, 'index.html')))
      throw new Error(`${CONSOLE_DIR}/index.html is missing: run \`npm run build\` first`);
    mkdirSync(ARTIFACTS, { recursive: true });
    sim = await startTestGatewaySim({ callbackDelayMs: 100 });
    sim.control({ result_code_for_phone: { [PHONE_BROKE]: 1 } });
    smtp = await new SmtpSink().start();
    sms = await new HttpStub().start();
    t = await startTestApp({
      env: {
        CONSOLE_DIR,
        BANK_VALIDATION_URL: sim.url,
        PAYMENT_GATEWAY_URL: sim.url,
        PAYMENT_GATEWAY_SECRET: TEST_GATEWAY_SECRET,
        SMTP_URL: smtp.url,
        SMS_PROVIDER_URL: sms.url('/messages'),
        SMS_API_KEY: SMS_KEY,
      },
    });
    t.config.PAYMENT_CALLBACK_BASE_URL = t.url;
    // The stuck request stays stuck for the whole file: its next automatic retry is minutes away.
    Object.assign(t.app.get(BankAccountsSettings), {
      retryBaseDelayMs: 600_000,
      retryMaxDelayMs: 600_000,
      externalTimeoutMs: 2_000,
    });
    tokens.admin = await t.token({ companyId, roles: ['admin'], userId: 'admin-1' });
    tokens.manager = await t.token({ companyId, roles: ['manager'], userId: 'manager-1' });
    tokens.agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    tokens.viewer = await t.token({ companyId, roles: ['viewer'], userId: 'viewer-1' });
    await seed();

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    agentContext = await newContext();
    page = await agentContext.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sim?.close();
    await smtp?.stop();
    await sms?.stop();
  });

  it('signs in with an agent token and finds the customer by number, by name and by ticket number', async () => {
    await page.goto(consoleUrl());
    await page.getByRole('heading', { name: 'Sign in to the support console' }).waitFor();
    await signIn(page, tokens.agent);
    await page.getByRole('heading', { name: 'Find a customer' }).waitFor();
    expect(await page.getByTestId('time-zone').textContent()).toBe(`Times in ${ZONE}`);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.length)).toBe(1);

    const box = page.getByRole('searchbox', { name: /Customer number, name, email, phone, ticket number/ });
    await box.fill(customer.customer_number);
    await settle(() => page.locator('.hit__name').allTextContents(), ['Wanjiru Kamau'], 'the hit by number');
    expect(await hits(page).count()).toBe(1);
    expect(await hits(page).first().textContent()).toContain('matched by customer number');

    await box.fill('wanjiru');
    await settle(
      async () => (await page.locator('.hit__name').allTextContents()).sort(),
      ['Wanjiru Kamau', 'Wanjiru Njeri'],
      'the hits by name',
    );
    expect(await page.locator('.hit__match').allTextContents()).toEqual([
      'matched by name',
      'matched by name',
    ]);
    expect(await page.getByRole('status').filter({ hasText: 'found' }).textContent()).toContain(
      '2 customers found for “wanjiru”',
    );

    await box.fill(ticket.ticket_number);
    await settle(() => page.locator('.hit__name').allTextContents(), ['Wanjiru Kamau'], 'the hit by ticket');
    expect(await page.locator('.hit__match').allTextContents()).toEqual(['matched by ticket number']);
    await screenshot(page, 'search');

    await box.fill('zzzz-nobody');
    await settle(
      () => page.locator('#search-status').textContent(),
      'No customer matches “zzzz-nobody”.',
      'no hit',
    );
  });

  it('opens the customer and shows the stuck bank account setup with what to check and what to tell them', async () => {
    const box = page.getByRole('searchbox');
    await box.fill(ticket.ticket_number);
    await box.press('Enter'); // Enter opens the first hit
    await page.getByRole('heading', { level: 1, name: 'Wanjiru Kamau' }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/customers/${customer.id}`);

    const banner = page.getByTestId('stuck-banner');
    expect(await banner.getByRole('heading', { level: 2 }).textContent()).toBe(
      'Stuck now: External validation (Bank account setup)',
    );
    expect(await banner.textContent()).toContain('Last error: external service error');
    const checks = await banner.locator('.checks li').allTextContents();
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.join(' ')).toContain('Check the external bank validation service status');
    expect(await banner.locator('.response__text').textContent()).toBe(
      DEFAULT_RESPONSE_TEMPLATES.external_service_error,
    );
    // The copy button puts exactly that text on the clipboard.
    await agentContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await banner.getByRole('button', { name: 'Copy response' }).click();
    await banner.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as InPage).navigator.clipboard.readText())).toBe(
      DEFAULT_RESPONSE_TEMPLATES.external_service_error,
    );

    // The timeline marks the error and says what the stage normally takes.
    const errorEvents = page.locator('.timeline .event--error');
    expect(await errorEvents.count()).toBeGreaterThan(0);
    expect(await errorEvents.first().textContent()).toContain('Error: external service error');

    // Ticket with SLA timers, the declined payment, the session's usage, the failed SMS, the masked account.
    const ticketRow = page.locator('#tickets tbody tr').filter({ hasText: ticket.ticket_number });
    expect(await ticketRow.locator('.due').first().textContent()).toMatch(/^(due in|overdue by) /);
    expect(await ticketRow.textContent()).toContain('Bank account setup stuck');
    const paymentRow = page.locator('#payments tbody tr');
    expect(await paymentRow.count()).toBe(1);
    expect(await paymentRow.locator('td').nth(3).textContent()).toBe('1');
    expect(await paymentRow.textContent()).toContain('failed');
    expect(await page.getByTestId('session-usage').textContent()).toContain('4.0 MB of 1.0 GB');
    const failedSms = page
      .locator('#notifications tbody tr')
      .filter({ hasText: 'customer.status changed' })
      .filter({ hasText: 'sms' });
    expect(await failedSms.locator('.badge').textContent()).toBe('failed');
    expect(await failedSms.textContent()).toContain('refused');
    const bankRow = page.locator('#bank-accounts tbody tr');
    expect(await bankRow.count()).toBe(1);
    expect(await bankRow.textContent()).toContain('6299');
    expect(await page.content()).not.toContain(ACCOUNT_NUMBER);

    // Times in the viewer's zone: the ticket's opening time as Nairobi shows it.
    const opened = new Intl.DateTimeFormat(LOCALE, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: ZONE,
    }).format(new Date(ticket.created_at));
    expect(await ticketRow.locator(`time[datetime="${ticket.created_at}"]`).textContent()).toBe(opened);

    // Render time after the API answered (the app's performance marks): issue 13's budget.
    const metric = await page.waitForFunction((id) => {
      const m = (globalThis as unknown as InPage).__consoleMetrics?.customer;
      return m && m.id === id ? m : undefined;
    }, customer.id);
    const { ms, commitMs, layoutMs } = (await metric.jsonValue()) as {
      ms: number;
      commitMs: number;
      layoutMs: number;
    };
    console.log(
      `console: customer view rendered ${ms} ms after its document arrived (DOM committed at ${commitMs} ms, laid out at ${layoutMs} ms, then the next frame)`,
    );
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(RENDER_BUDGET_MS);

    // The page offers exactly what the document's permissions allow: an agent comments and re-runs a stuck
    // setup, never changes the status (manager and up); retrying a delivery is offered only if permitted.
    const doc = await request(t.url)
      .get(`/v1/console/customers/${customer.id}`)
      .set(as(tokens.agent))
      .expect(200);
    expect(doc.body.permissions).toMatchObject({
      comment: true,
      rerun_bank_setup: true,
      change_status: false,
    });
    expect(await page.locator('[data-action="rerun-bank-setup"]').count()).toBe(2); // banner and bank table
    expect(await page.locator('[data-action="change-status"]').count()).toBe(0);
    expect(await page.locator('[data-action="retry-notification"]').count()).toBe(
      doc.body.permissions.retry_notification ? 1 : 0,
    );
    await screenshot(page, 'customer');
  });

  it('adds a comment to the ticket: it appears on the page and is stored', async () => {
    const body = `Told the customer the bank check is queued (${randomUUID().slice(0, 8)})`;
    await page.getByRole('button', { name: `Comments on ${ticket.ticket_number}` }).click();
    await page.getByText('No comments yet.').waitFor();
    await page.getByLabel(`Add a comment to ${ticket.ticket_number}`).fill(body);
    await page.getByRole('button', { name: 'Add comment' }).click();
    await page.locator('.comment__body').filter({ hasText: body }).waitFor();
    expect(await page.locator('.comment').count()).toBe(1);
    expect(await page.locator('.comment__meta').first().textContent()).toContain('internal note');
    await page
      .getByRole('status')
      .filter({ hasText: `Comment added to ${ticket.ticket_number}.` })
      .waitFor();

    const stored = await request(t.url)
      .get(`/v1/tickets/${ticket.id}/comments`)
      .set(as(tokens.agent))
      .expect(200);
    expect(stored.body.data).toEqual([
      expect.objectContaining({ body, internal: true, author_kind: 'staff' }),
    ]);
  });

  it('lists the customer under its stage on the stuck-now view, with what to check', async () => {
    await page.getByRole('link', { name: 'Stuck now' }).click();
    await page.getByRole('heading', { level: 1, name: 'Stuck now' }).waitFor();
    const group = page.locator('section[data-stage="external_validation_completed"]');
    await group.waitFor();
    expect(await group.getByRole('heading', { level: 2 }).textContent()).toContain('External validation');
    expect(await group.locator('.checks').textContent()).toContain('external bank validation service status');
    const link = group.getByRole('link', { name: 'Wanjiru Kamau' });
    expect(await link.getAttribute('href')).toBe(`#/customers/${customer.id}`);
    expect(
      await group.locator('tbody tr').filter({ hasText: customer.customer_number }).textContent(),
    ).toContain('external service error');
    await screenshot(page, 'stuck');
    await link.click();
    await page.getByRole('heading', { level: 1, name: 'Wanjiru Kamau' }).waitFor();
  });

  it('reaches search and opens a customer with the keyboard alone', async () => {
    await page.goto(consoleUrl('#/stuck'));
    await page.reload(); // a fresh load: nothing focused yet
    await page.getByRole('heading', { level: 1, name: 'Stuck now' }).waitFor();
    const active = () =>
      page.evaluate(() => {
        const el = (globalThis as unknown as InPage).document.activeElement;
        return { tag: el?.tagName ?? '', id: el?.id ?? '', text: el?.textContent?.trim() ?? '' };
      });
    /** Focus moves in effects after the view is painted: wait for it to land (or fail with where it is). */
    const expectFocus = (expected: { tag: string; id?: string; text?: string }) =>
      settle(
        async () => {
          const now = await active();
          return {
            tag: now.tag,
            ...(expected.id === undefined ? {} : { id: now.id }),
            ...(expected.text === undefined ? {} : { text: now.text }),
          };
        },
        expected,
        `focus on ${JSON.stringify(expected)}`,
      );
    // From the top of the page: the first Tab stop is the skip link, which moves focus to the main region.
    await expectFocus({ tag: 'BODY' });
    await page.keyboard.press('Tab');
    await expectFocus({ tag: 'A', text: 'Skip to main content' });
    await page.keyboard.press('Enter');
    await expectFocus({ tag: 'MAIN', id: 'main' });
    // Back up to the "Search" link in the header (Sign out, Stuck now, Search) and follow it.
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('Shift+Tab');
    await expectFocus({ tag: 'A', text: 'Search' });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Find a customer' }).waitFor();
    await expectFocus({ tag: 'INPUT', id: 'q' });
    await page.keyboard.type(customer.customer_number);
    await settle(() => page.locator('.hit__name').allTextContents(), ['Wanjiru Kamau'], 'the hit by number');
    // Tab past the Open button to the first hit, and open it.
    await page.keyboard.press('Tab');
    await expectFocus({ tag: 'BUTTON', text: 'Open' });
    await page.keyboard.press('Tab');
    await expectFocus({ tag: 'A' });
    expect((await active()).text).toContain('Wanjiru Kamau');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Wanjiru Kamau' }).waitFor();
    await expectFocus({ tag: 'H1', text: 'Wanjiru Kamau' });
  });

  it('re-runs the stuck bank account setup from the page', async () => {
    await page.goto(consoleUrl(`#/customers/${customer.id}`));
    const banner = page.getByTestId('stuck-banner');
    await banner.waitFor();
    const received = async () =>
      Number(
        (
          await t.db.query(
            `SELECT count(*) AS n FROM journey_events WHERE trace_id = $1 AND event_type = 'message_received'`,
            [bankTraceId],
          )
        ).rows[0].n,
      );
    const before = await received();
    expect(before).toBeGreaterThan(0);
    await banner.getByRole('button', { name: 'Re-run bank account setup' }).click();
    await page.getByRole('status').filter({ hasText: 'Bank account setup queued again.' }).waitFor();
    // The worker took it up again (a new run of the stages), and the still-failing service left it waiting.
    await waitFor(async () => (await received()) > before, {
      what: 'the setup run again',
      timeoutMs: 20_000,
    });
    await waitFor(
      async () => {
        const res = await request(t.url)
          .get(`/v1/bank-accounts/requests/${bankRequestId}`)
          .set(as(tokens.agent));
        return res.body.status === 'waiting_external';
      },
      { what: 'the re-run back to waiting', timeoutMs: 20_000 },
    );
  });

  it('shows a viewer no action, and the server refuses the viewer when the page calls it anyway', async () => {
    const viewerContext = await newContext();
    try {
      const viewer = await viewerContext.newPage();
      await signIn(viewer, tokens.viewer, `#/customers/${customer.id}`);
      await viewer.getByRole('heading', { level: 1, name: 'Wanjiru Kamau' }).waitFor();
      await viewer.getByTestId('stuck-banner').waitFor();
      await viewer.getByRole('button', { name: `Comments on ${ticket.ticket_number}` }).click();
      await viewer.locator('.comment').first().waitFor();
      expect(await viewer.locator('[data-action]').count()).toBe(0);
      expect(await viewer.locator('textarea').count()).toBe(0);
      expect(
        await viewer.getByRole('button', { name: /Add comment|Retry|Re-run|Change status/ }).count(),
      ).toBe(0);

      // The buttons are hidden, but the server is what enforces the role: the same calls from the page, refused.
      const calls = await viewer.evaluate(
        async ({ ticketId, requestId, customerId }) => {
          const token = (globalThis as unknown as InPage).sessionStorage.getItem('custops.console.token');
          const post = (path: string, body: unknown) =>
            fetch(path, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            }).then((r) => r.status);
          return {
            comment: await post(`/v1/tickets/${ticketId}/comments`, { body: 'viewer was here' }),
            rerun: await post(`/v1/bank-accounts/requests/${requestId}/retry`, {}),
            status: await post(`/v1/customers/${customerId}/status`, { status: 'active', reason: 'x' }),
          };
        },
        { ticketId: ticket.id, requestId: bankRequestId, customerId: customer.id },
      );
      expect(calls).toEqual({ comment: 403, rerun: 403, status: 403 });
      const stored = await request(t.url).get(`/v1/tickets/${ticket.id}/comments`).set(as(tokens.agent));
      expect(stored.body.data).toHaveLength(1);
    } finally {
      await viewerContext.close();
    }
  });

  it('lets a manager change the status from the page', async () => {
    const managerContext = await newContext();
    try {
      const manager = await managerContext.newPage();
      await signIn(manager, tokens.manager, `#/customers/${customer.id}`);
      await manager.getByRole('heading', { level: 1, name: 'Wanjiru Kamau' }).waitFor();
      await manager.getByLabel('New status').selectOption('active');
      await manager.getByLabel('Reason').fill('Payment review done');
      await manager.getByRole('button', { name: 'Change status' }).click();
      await manager.getByRole('status').filter({ hasText: 'Status changed to active.' }).waitFor();
      await settle(
        () => manager.locator('.customer__identity .facts .badge').first().textContent(),
        'active',
        'the new status on the page',
      );
      const res = await request(t.url).get(`/v1/customers/${customer.id}`).set(as(tokens.agent)).expect(200);
      expect(res.body.status).toBe('active');

      // Every form control on the page (the status form, the comment form) has a label, every button a name.
      await manager.getByRole('button', { name: `Comments on ${ticket.ticket_number}` }).click();
      await manager.getByLabel(`Add a comment to ${ticket.ticket_number}`).waitFor();
      const unnamed = await manager.evaluate(() => {
        type El = {
          tagName: string;
          labels?: ArrayLike<unknown> | null;
          textContent: string | null;
          outerHTML: string;
          getAttribute(name: string): string | null;
        };
        const all = (selector: string) =>
          Array.from(
            (
              globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }
            ).document.querySelectorAll(selector),
          );
        const controls = all('input, select, textarea');
        return {
          controls: controls.length,
          unlabelled: controls
            .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label'))
            .map((el) => el.outerHTML),
          unnamedButtons: all('button')
            .filter((el) => !el.textContent?.trim() && !el.getAttribute('aria-label'))
            .map((el) => el.outerHTML),
        };
      });
      expect(unnamed).toEqual({ controls: 4, unlabelled: [], unnamedButtons: [] });
    } finally {
      await managerContext.close();
    }
  });

  it('shows an API problem (RFC 9457) in the alert region', async () => {
    await page.goto(consoleUrl(`#/customers/${randomUUID()}`));
    await page.getByRole('heading', { level: 1, name: 'Customer not found' }).waitFor();

    await page.goto(consoleUrl(`#/customers/${customer.id}`));
    await page.getByRole('heading', { level: 1, name: 'Wanjiru Kamau' }).waitFor();
    await page.getByRole('button', { name: `Comments on ${ticket.ticket_number}` }).click();
    await page.getByLabel(`Add a comment to ${ticket.ticket_number}`).fill('One more thing');
    // Meanwhile the ticket is closed elsewhere: the page's form is stale and the API refuses the comment.
    for (const status of ['resolved', 'closed'])
      await request(t.url)
        .post(`/v1/tickets/${ticket.id}/status`)
        .set(as(tokens.agent))
        .send({ status })
        .expect(200);
    const refused = await request(t.url)
      .post(`/v1/tickets/${ticket.id}/comments`)
      .set(as(tokens.agent))
      .send({ body: 'One more thing' })
      .expect(409);
    await page.getByRole('button', { name: 'Add comment' }).click();
    const alert = page.getByTestId('alert');
    await alert.getByText(`Adding the comment to ${ticket.ticket_number} failed:`).waitFor();
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toContain(`${refused.body.title as string} (409)`);
    expect(await alert.textContent()).toContain(refused.body.detail as string);
    await alert.getByRole('button', { name: 'Dismiss' }).click();
    expect(await alert.textContent()).toBe('');
  });

  it('never lets a full account number, a card number or a secret reach the browser', async () => {
    await Promise.all(reading);
    const urls = captured.map((c) => new URL(c.url).pathname);
    expect(urls).toEqual(
      expect.arrayContaining([
        '/v1/me',
        '/v1/console/search',
        `/v1/console/customers/${customer.id}`,
        '/v1/console/stuck',
        `/v1/tickets/${ticket.id}/comments`,
      ]),
    );
    const customerDocs = captured.filter((c) => c.url.endsWith(`/v1/console/customers/${customer.id}`));
    expect(customerDocs.length).toBeGreaterThan(0);
    expect(customerDocs[0].body).toContain('6299'); // the masked account is there, as its last four digits

    const secrets = {
      account_number: ACCOUNT_NUMBER,
      jwt_secret: TEST_JWT_SECRET,
      gateway_secret: TEST_GATEWAY_SECRET,
      sms_key: SMS_KEY,
      device_key: deviceKey,
      voucher_code: voucherCode,
      voucher_code_plain: voucherCode.replace(/-/g, ''),
    };
    expect(deviceKey.length).toBeGreaterThan(8);
    expect(voucherCode.length).toBeGreaterThan(8);
    const leaks: string[] = [];
    for (const { url, body } of captured) {
      for (const [name, secret] of Object.entries(secrets))
        if (body.includes(secret)) leaks.push(`${name} in ${url}`);
      for (const run of luhnRuns(body)) leaks.push(`Luhn-valid ${run} in ${url}`);
      if (/eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(body)) leaks.push(`a JWT in ${url}`);
    }
    expect(leaks).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('loads under 200 KB of JavaScript, gzipped, on first load', async () => {
    const context = await newContext();
    try {
      const fresh = await context.newPage();
      const scripts: Array<Promise<{ url: string; raw: number; gzip: number }>> = [];
      fresh.on('response', (response) => {
        if (response.request().resourceType() !== 'script' && !response.url().endsWith('.js')) return;
        scripts.push(
          response.body().then((body) => ({
            url: response.url(),
            raw: body.length,
            gzip: gzipSync(body).length,
          })),
        );
      });
      await fresh.goto(consoleUrl(), { waitUntil: 'networkidle' });
      await fresh.getByRole('heading', { name: 'Sign in to the support console' }).waitFor();
      const loaded = await Promise.all(scripts);
      const total = loaded.reduce((sum, s) => sum + s.gzip, 0);
      console.log(
        `console: first load ${loaded.length} script(s), ${(total / 1024).toFixed(1)} KB gzipped (${loaded
          .map((s) => `${new URL(s.url).pathname} ${s.raw} B raw / ${s.gzip} B gzipped`)
          .join(', ')})`,
      );
      expect(loaded.length).toBe(1);
      expect(new URL(loaded[0].url).pathname).toMatch(/^\/console\/assets\/main-[A-Z0-9]+\.js$/);
      expect(total).toBeGreaterThan(1024);
      expect(total).toBeLessThan(JS_BUDGET_GZIP);
    } finally {
      await context.close();
    }
  });
});
