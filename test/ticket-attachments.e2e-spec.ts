import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { TicketAttachmentsService } from '../src/modules/tickets/ticket-attachments.service';
import { startTestApp, TestApp } from './support/app';
import { SmtpSink } from './support/peers';

const MAX_BYTES = 4096;
const PDF = Buffer.from(
  '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
);
/** What a Windows executable starts with: "MZ", the DOS header, then the stub's message. */
const EXE = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.from([0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff]),
  Buffer.alloc(50),
  Buffer.from('This program cannot be run in DOS mode.\r\r\n$'),
]);

/** Collects a binary response body as a Buffer (superagent hands parsers the node response stream). */
const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('Ticket attachments', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let storageDir: string;
  const companyId = randomUUID();
  let agent: string;
  let foreignAgent: string;
  let customerA: { id: string; token: string };
  let customerB: { id: string; token: string };

  const newCustomer = async (name: string) => {
    const res = await request(t.url)
      .post('/v1/customers')
      .set('authorization', `Bearer ${agent}`)
      .send({ name, email: `${randomUUID().slice(0, 8)}@example.com`, currency: 'KES' })
      .expect(201);
    const id = res.body.id as string;
    return { id, token: await t.token({ companyId, roles: ['customer'], customerId: id }) };
  };
  const upload = (token: string, content: Buffer, filename: string, contentType: string) =>
    request(t.url)
      .post('/v1/tickets/attachments')
      .set('authorization', `Bearer ${token}`)
      .attach('file', content, { filename, contentType });
  const submit = (token: string, body: Record<string, unknown> = {}) =>
    request(t.url)
      .post('/v1/tickets')
      .set('authorization', `Bearer ${token}`)
      .send({ subject: 'Invoice question', description: 'See attached', category: 'billing', ...body });
  const download = (token: string, ticketId: string, attachmentId: string) =>
    request(t.url)
      .get(`/v1/tickets/${ticketId}/attachments/${attachmentId}`)
      .set('authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(binary);
  /** Every file under the storage directory, temporary ones included. */
  const storedFiles = async (): Promise<string[]> =>
    (await readdir(storageDir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  const attachmentRows = async (): Promise<number> =>
    Number((await t.db.query('SELECT count(*) FROM ticket_attachments')).rows[0].count);
  const ticketCount = async (): Promise<number> =>
    Number((await t.db.query('SELECT count(*) FROM tickets')).rows[0].count);

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    storageDir = await mkdtemp(join(tmpdir(), 'custops-attachments-'));
    t = await startTestApp({
      env: { SMTP_URL: smtp.url, STORAGE_DIR: storageDir, ATTACHMENT_MAX_BYTES: String(MAX_BYTES) },
    });
    agent = await t.token({ companyId, roles: ['agent'], userId: 'agent-1' });
    foreignAgent = await t.token({ companyId: randomUUID(), roles: ['agent'], userId: 'agent-1' });
    customerA = await newCustomer('Customer A');
    customerB = await newCustomer('Customer B');
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await rm(storageDir, { recursive: true, force: true });
  });

  it('uploads, attaches on submit, and gives the owner back the same bytes', async () => {
    const uploaded = await upload(customerA.token, PDF, 'invoice.pdf', 'application/pdf').expect(201);
    expect(uploaded.body).toEqual({
      id: expect.any(String),
      filename: 'invoice.pdf',
      content_type: 'application/pdf',
      size_bytes: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
      created_at: expect.any(String),
      expires_at: expect.any(String),
    });

    const submitted = await submit(customerA.token, { attachment_ids: [uploaded.body.id] }).expect(201);
    const ticketId = submitted.body.id as string;
    expect(submitted.body.attachments).toEqual([
      expect.objectContaining({
        id: uploaded.body.id,
        filename: 'invoice.pdf',
        ticket_id: ticketId,
        comment_id: null,
        internal: false,
        download_url: `/v1/tickets/${ticketId}/attachments/${uploaded.body.id}`,
      }),
    ]);

    const file = await download(customerA.token, ticketId, uploaded.body.id).expect(200);
    expect(Buffer.compare(file.body as Buffer, PDF)).toBe(0);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['content-disposition']).toBe('attachment; filename="invoice.pdf"');
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(file.headers['content-length']).toBe(String(PDF.length));
    // Staff of the company see it too, and the ticket lists it.
    await download(agent, ticketId, uploaded.body.id).expect(200);
    const detail = await request(t.url)
      .get(`/v1/tickets/${ticketId}`)
      .set('authorization', `Bearer ${customerA.token}`)
      .expect(200);
    expect(detail.body.attachments.map((a: { id: string }) => a.id)).toEqual([uploaded.body.id]);
  });

  it('hides attachments from another customer and another tenant, as if missing', async () => {
    const uploaded = await upload(customerA.token, PDF, 'statement.pdf', 'application/pdf').expect(201);
    const ticketId = (await submit(customerA.token, { attachment_ids: [uploaded.body.id] }).expect(201)).body
      .id as string;
    const other = await download(customerB.token, ticketId, uploaded.body.id).expect(404);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    await download(foreignAgent, ticketId, uploaded.body.id).expect(404);
    await download(agent, ticketId, randomUUID()).expect(404);
    await download(agent, randomUUID(), uploaded.body.id).expect(404);
    await download(agent, ticketId, 'not-a-uuid').expect(404);
  });

  it('keeps attachments of internal notes from the customer', async () => {
    const ticketId = (await submit(customerA.token).expect(201)).body.id as string;
    const note = await upload(
      agent,
      Buffer.from('Customer owes 3 invoices\n'),
      'ledger.txt',
      'text/plain',
    ).expect(201);
    const noted = await request(t.url)
      .post(`/v1/tickets/${ticketId}/comments`)
      .set('authorization', `Bearer ${agent}`)
      .send({ body: 'See ledger', internal: true, attachment_ids: [note.body.id] })
      .expect(201);
    expect(noted.body.attachments).toEqual([
      expect.objectContaining({ id: note.body.id, comment_id: noted.body.id, internal: true }),
    ]);
    const reply = await upload(
      customerA.token,
      Buffer.from('date,amount\n2026-01-03,1200\n'),
      'debits.csv',
      'text/csv',
    ).expect(201);
    await request(t.url)
      .post(`/v1/tickets/${ticketId}/comments`)
      .set('authorization', `Bearer ${customerA.token}`)
      .send({ body: 'Here are the debits', attachment_ids: [reply.body.id] })
      .expect(201);

    await download(customerA.token, ticketId, note.body.id).expect(404);
    const staffCopy = await download(agent, ticketId, note.body.id).expect(200);
    expect(staffCopy.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((staffCopy.body as Buffer).toString()).toBe('Customer owes 3 invoices\n');
    await download(customerA.token, ticketId, reply.body.id).expect(200);

    const asCustomer = await request(t.url)
      .get(`/v1/tickets/${ticketId}`)
      .set('authorization', `Bearer ${customerA.token}`)
      .expect(200);
    expect(asCustomer.body.attachments.map((a: { id: string }) => a.id)).toEqual([reply.body.id]);
    const asAgent = await request(t.url)
      .get(`/v1/tickets/${ticketId}`)
      .set('authorization', `Bearer ${agent}`)
      .expect(200);
    expect(asAgent.body.attachments.map((a: { id: string }) => a.id).sort()).toEqual(
      [note.body.id, reply.body.id].sort(),
    );
  });

  it('refuses an executable renamed .pdf with 415, keeping neither row nor file', async () => {
    const rowsBefore = await attachmentRows();
    const filesBefore = await storedFiles();
    const res = await upload(customerA.token, EXE, 'invoice.pdf', 'application/pdf').expect(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/\/attachment-type-not-allowed$/),
      status: 415,
      errors: [{ field: 'file', message: expect.stringContaining('application/x-msdownload') }],
    });
    // A real PDF under an image's name and type is refused as well.
    const renamed = await upload(customerA.token, PDF, 'photo.png', 'image/png').expect(415);
    expect(renamed.body.type).toMatch(/\/attachment-content-mismatch$/);
    expect(await attachmentRows()).toBe(rowsBefore);
    expect(await storedFiles()).toEqual(filesBefore);
  });

  it('refuses a file over the limit with 413, keeping nothing, and takes one exactly at it', async () => {
    const rowsBefore = await attachmentRows();
    const filesBefore = await storedFiles();
    const res = await upload(
      customerA.token,
      Buffer.alloc(MAX_BYTES + 1000, 'a'),
      'big.txt',
      'text/plain',
    ).expect(413);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/\/attachment-too-large$/), status: 413 });
    expect(await attachmentRows()).toBe(rowsBefore);
    expect(await storedFiles()).toEqual(filesBefore);

    const exact = await upload(
      customerA.token,
      Buffer.alloc(MAX_BYTES, 'a'),
      'exact.txt',
      'text/plain',
    ).expect(201);
    expect(exact.body.size_bytes).toBe(MAX_BYTES);
  });

  it('answers 422 for an upload already attached, another user’s, or another tenant’s, writing nothing', async () => {
    const used = await upload(customerA.token, PDF, 'once.pdf', 'application/pdf').expect(201);
    await submit(customerA.token, { attachment_ids: [used.body.id] }).expect(201);
    const before = await ticketCount();

    const again = await submit(customerA.token, { attachment_ids: [used.body.id] }).expect(422);
    expect(again.body).toMatchObject({
      type: expect.stringMatching(/\/unknown-attachment$/),
      errors: [{ field: 'attachment_ids', message: expect.stringContaining(used.body.id) }],
    });

    const fresh = await upload(customerA.token, PDF, 'fresh.pdf', 'application/pdf').expect(201);
    const foreign = await upload(customerB.token, PDF, 'theirs.pdf', 'application/pdf').expect(201);
    const otherTenant = await upload(foreignAgent, PDF, 'tenant.pdf', 'application/pdf').expect(201);
    // One bad id fails the whole write, the good one included.
    await submit(customerA.token, { attachment_ids: [fresh.body.id, foreign.body.id] }).expect(422);
    await submit(customerA.token, { attachment_ids: [otherTenant.body.id] }).expect(422);
    expect(await ticketCount()).toBe(before);
    const unclaimed = await t.db.query(
      'SELECT count(*) FROM ticket_attachments WHERE id = ANY($1) AND ticket_id IS NULL',
      [[fresh.body.id, foreign.body.id, otherTenant.body.id]],
    );
    expect(Number(unclaimed.rows[0].count)).toBe(3);

    // On a comment the same rule holds, and nothing of the comment is written.
    const ticketId = (await submit(customerA.token).expect(201)).body.id as string;
    await request(t.url)
      .post(`/v1/tickets/${ticketId}/comments`)
      .set('authorization', `Bearer ${customerA.token}`)
      .send({ body: 'attached', attachment_ids: [foreign.body.id] })
      .expect(422);
    const comments = await t.db.query('SELECT count(*) FROM ticket_comments WHERE ticket_id = $1', [
      ticketId,
    ]);
    expect(Number(comments.rows[0].count)).toBe(0);
  });

  it('answers clear problems for a request without a file', async () => {
    const json = await request(t.url)
      .post('/v1/tickets/attachments')
      .set('authorization', `Bearer ${customerA.token}`)
      .send({ file: 'x' })
      .expect(415);
    expect(json.body.type).toMatch(/\/multipart-required$/);
    const noFile = await request(t.url)
      .post('/v1/tickets/attachments')
      .set('authorization', `Bearer ${customerA.token}`)
      .field('note', 'hello')
      .expect(400);
    expect(noFile.body.type).toMatch(/\/attachment-missing$/);
    await request(t.url)
      .post('/v1/tickets/attachments')
      .set('authorization', `Bearer ${await t.token({ companyId, roles: ['viewer'] })}`)
      .attach('file', PDF, { filename: 'a.pdf', contentType: 'application/pdf' })
      .expect(403);
  });

  it('deletes uploads never attached once they expire, and only those', async () => {
    const kept = await upload(customerA.token, PDF, 'kept.pdf', 'application/pdf').expect(201);
    await submit(customerA.token, { attachment_ids: [kept.body.id] }).expect(201);
    const stale = await upload(customerA.token, PDF, 'stale.pdf', 'application/pdf').expect(201);
    const keyOf = async (id: string) =>
      (await t.db.query('SELECT storage_key FROM ticket_attachments WHERE id = $1', [id])).rows[0]
        ?.storage_key as string | undefined;
    const staleFile = join(storageDir, ...(await keyOf(stale.body.id))!.split('/'));
    expect(await storedFiles()).toContain(staleFile);

    const service = t.app.get(TicketAttachmentsService);
    expect(await service.purgeUnclaimed(new Date())).toBe(0); // none is old enough yet
    const purged = await service.purgeUnclaimed(new Date(Date.now() + 25 * 3_600_000));
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await keyOf(stale.body.id)).toBeUndefined();
    expect(await storedFiles()).not.toContain(staleFile);
    expect(await keyOf(kept.body.id)).toBeDefined();
    await submit(customerA.token, { attachment_ids: [stale.body.id] }).expect(422);
  });
});
