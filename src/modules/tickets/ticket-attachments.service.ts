import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../platform/auth/principal';
import { STAFF_ROLES } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { AppConfig } from '../../platform/config/app-config';
import { DomainException } from '../../platform/http/domain-exception';
import { TaskScheduler } from '../../platform/scheduling/task-scheduler';
import { ObjectStorage } from '../../platform/storage/object-storage';
import { uploadResponse } from './dto/ticket-attachment.dto';
import { allowedAttachmentTypes, AttachmentInspector, safeFilename } from './ticket-attachment-types';
import { AttachmentRow, TicketAttachmentsRepository } from './ticket-attachments.repository';

export type { AttachmentRow } from './ticket-attachments.repository';

const PURGE_BATCH = 500;

export interface IncomingFile {
  filename: string;
  /** The part's Content-Type, as the client claimed it. */
  mimetype: string;
  stream: Readable;
}

/**
 * Ticket attachments, uploaded first (an unclaimed upload owned by its uploader) and then claimed by
 * the ticket or comment they were uploaded for, in that write's transaction: so submitting a ticket
 * stays one JSON request that honours Idempotency-Key. Files live in ObjectStorage; rows in
 * ticket_attachments. Unclaimed uploads are deleted after ATTACHMENT_UNCLAIMED_TTL_HOURS.
 */
@Injectable()
export class TicketAttachmentsService {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    private readonly repository: TicketAttachmentsRepository,
    private readonly storage: ObjectStorage,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
    scheduler: TaskScheduler,
  ) {
    logger.setContext(TicketAttachmentsService.name);
    this.allowed = allowedAttachmentTypes(config.attachmentAllowedTypes);
    scheduler.register({
      name: 'tickets.attachments-purge',
      cadence: { pattern: '40 * * * *' },
      run: async (tick) => {
        await this.purgeUnclaimed(tick);
      },
    });
  }

  /**
   * Streams the file to storage while counting, hashing and sniffing it; a file too large, of a type not
   * accepted, or unlike its name is refused (413 / 415) with nothing kept, neither file nor row.
   */
  async upload(principal: Principal, file: IncomingFile) {
    const started = performance.now();
    const id = randomUUID();
    const key = `tickets/${principal.companyId}/${id}`;
    const filename = safeFilename(file.filename);
    const inspector = new AttachmentInspector({
      filename,
      claimedType: file.mimetype,
      maxBytes: this.config.ATTACHMENT_MAX_BYTES,
      allowed: this.allowed,
    });
    try {
      await this.storage.put(
        key,
        pipeline(file.stream, inspector, () => undefined),
      );
    } catch (error) {
      await this.discard(key);
      throw error;
    }
    const inspected = inspector.result;
    let row: AttachmentRow;
    try {
      row = await this.repository.insert({
        id,
        company_id: principal.companyId,
        uploaded_by: principal.userId,
        filename,
        content_type: inspected.type.mime,
        size_bytes: String(inspected.sizeBytes),
        sha256: inspected.sha256,
        storage_key: key,
        created_at: this.clock.now(),
      });
    } catch (error) {
      await this.discard(key);
      throw error;
    }
    this.logger.info(
      {
        operation: 'ticket.attachment.upload',
        company_id: principal.companyId,
        user_id: principal.userId,
        attachment_id: id,
        filename,
        content_type: inspected.type.mime,
        size_bytes: inspected.sizeBytes,
        duration_ms: Math.round(performance.now() - started),
      },
      'Attachment uploaded',
    );
    return uploadResponse(row, this.expiry(row.created_at));
  }

  /**
   * Attaches the caller's own unclaimed uploads to a ticket (and comment), inside the caller's
   * transaction. Any id that is unknown, another user's, another tenant's or already attached fails
   * the whole write with 422, so the transaction rolls back.
   */
  async claim(
    manager: EntityManager,
    companyId: string,
    uploaderId: string,
    uploadIds: string[],
    ticketId: string,
    commentId: string | null,
  ): Promise<AttachmentRow[]> {
    const ids = [...new Set(uploadIds.map((id) => id.toLowerCase()))];
    if (ids.length === 0) return [];
    const claimed = await this.repository.claim(manager, companyId, uploaderId, ids, ticketId, commentId);
    if (claimed.length !== ids.length) {
      const found = new Set(claimed.map((row) => row.id));
      const missing = ids.filter((id) => !found.has(id));
      throw new DomainException(
        'unprocessable',
        'unknown-attachment',
        'Some attachments cannot be attached: upload them first, as the same user, and use each once',
        missing.map((id) => ({
          field: 'attachment_ids',
          message: `${id} is not an unattached upload of yours`,
        })),
      );
    }
    const order = new Map(ids.map((id, index) => [id, index]));
    return claimed.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  /** A ticket's attachments, oldest first; those of internal notes only when asked (staff). */
  list(companyId: string, ticketId: string, includeInternal: boolean): Promise<AttachmentRow[]> {
    return this.repository.listForTicket(companyId, ticketId, includeInternal);
  }

  /** Merge: the attachments of `fromTicketId` move to `toTicketId`, inside the merge's transaction. */
  moveToTicket(manager: EntityManager, fromTicketId: string, toTicketId: string): Promise<number> {
    return this.repository.moveToTicket(manager, fromTicketId, toTicketId);
  }

  /**
   * The attachment and its bytes, when the caller may see them: staff of the company; a customer on
   * their own ticket, and never an internal note's. Anything else is a 404, like a missing one.
   */
  async open(principal: Principal, ticketId: string, attachmentId: string) {
    const staff = principal.roles.some((role) => STAFF_ROLES.includes(role));
    // A customer token without a customer id sees nothing (a sentinel uuid matches no ticket).
    const customerScope = staff
      ? undefined
      : (principal.customerId ?? '00000000-0000-0000-0000-000000000000');
    const attachment = await this.repository.findVisible(
      principal.companyId,
      ticketId,
      attachmentId,
      customerScope,
    );
    if (!attachment) throw DomainException.notFound('Attachment');
    return { attachment, stream: await this.storage.get(attachment.storage_key) };
  }

  /** Deletes uploads never attached within the TTL: rows first (so none can be claimed), then files. */
  async purgeUnclaimed(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.ATTACHMENT_UNCLAIMED_TTL_HOURS * 3_600_000);
    let purged = 0;
    for (;;) {
      const keys = await this.repository.deleteUnclaimed(cutoff, PURGE_BATCH);
      for (const key of keys) await this.discard(key);
      purged += keys.length;
      if (keys.length < PURGE_BATCH) break;
    }
    if (purged > 0) {
      this.logger.info({ operation: 'ticket.attachment.purge', purged }, 'Unclaimed attachments deleted');
    }
    return purged;
  }

  private expiry(createdAt: Date): Date {
    return new Date(new Date(createdAt).getTime() + this.config.ATTACHMENT_UNCLAIMED_TTL_HOURS * 3_600_000);
  }

  /** Best effort: a file left behind is an orphan to log, never a failed request. */
  private async discard(key: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (error) {
      this.logger.error(
        { operation: 'ticket.attachment.discard', storage_key: key, err: error },
        'Could not delete a stored attachment',
      );
    }
  }
}
