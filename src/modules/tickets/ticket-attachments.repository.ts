import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../../platform/database/rows';

export interface AttachmentRow {
  id: string;
  company_id: string;
  /** Null while the upload is not yet attached to a ticket. */
  ticket_id: string | null;
  comment_id: string | null;
  uploaded_by: string;
  filename: string;
  content_type: string;
  /** bigint: node-postgres answers a string. */
  size_bytes: string;
  sha256: string;
  storage_key: string;
  internal: boolean;
  created_at: Date;
}

const COLUMNS = `id, company_id, ticket_id, comment_id, uploaded_by, filename, content_type, size_bytes, sha256,
  storage_key, internal, created_at`;
const A_COLUMNS = `a.id, a.company_id, a.ticket_id, a.comment_id, a.uploaded_by, a.filename, a.content_type, a.size_bytes,
  a.sha256, a.storage_key, a.internal, a.created_at`;

/** Every query on ticket attachments. */
@Injectable()
export class TicketAttachmentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    row: Pick<
      AttachmentRow,
      | 'id'
      | 'company_id'
      | 'uploaded_by'
      | 'filename'
      | 'content_type'
      | 'size_bytes'
      | 'sha256'
      | 'storage_key'
      | 'created_at'
    >,
  ): Promise<AttachmentRow> {
    const [inserted] = await this.dataSource.query<AttachmentRow[]>(
      `INSERT INTO ticket_attachments (id, company_id, uploaded_by, filename, content_type, size_bytes, sha256,
                                       storage_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        row.id,
        row.company_id,
        row.uploaded_by,
        row.filename,
        row.content_type,
        row.size_bytes,
        row.sha256,
        row.storage_key,
        row.created_at,
      ],
    );
    return inserted;
  }

  /**
   * Attaches the uploader's own unclaimed uploads to a ticket (and comment) in one statement; an
   * attachment of an internal note is internal. Answers the rows it claimed, which may be fewer than
   * asked: the caller decides. Concurrent claims of one upload serialise on its row; the loser finds it
   * already claimed.
   */
  async claim(
    manager: EntityManager,
    companyId: string,
    uploaderId: string,
    ids: string[],
    ticketId: string,
    commentId: string | null,
  ): Promise<AttachmentRow[]> {
    const result = await manager.query<AttachmentRow[] | [AttachmentRow[], number]>(
      `UPDATE ticket_attachments
          SET ticket_id = $4,
              comment_id = $5,
              internal = coalesce((SELECT c.internal FROM ticket_comments c
                                    WHERE c.id = $5 AND c.ticket_id = $4 AND c.company_id = $1), false)
        WHERE company_id = $1 AND uploaded_by = $2 AND ticket_id IS NULL AND id = ANY($3::uuid[])
        RETURNING ${COLUMNS}`,
      [companyId, uploaderId, ids, ticketId, commentId],
    );
    return returnedRows(result);
  }

  /** Oldest first; attachments of internal notes only when asked. */
  listForTicket(companyId: string, ticketId: string, includeInternal: boolean): Promise<AttachmentRow[]> {
    return this.dataSource.query<AttachmentRow[]>(
      `SELECT ${COLUMNS} FROM ticket_attachments
        WHERE company_id = $1 AND ticket_id = $2 ${includeInternal ? '' : 'AND NOT internal'}
        ORDER BY created_at, id LIMIT 1000`,
      [companyId, ticketId],
    );
  }

  /**
   * The attachment when the caller may see it: on a ticket of the company and, for a customer
   * (`customerId` given), on their own ticket and not on an internal note.
   */
  async findVisible(
    companyId: string,
    ticketId: string,
    attachmentId: string,
    customerId: string | undefined,
  ): Promise<AttachmentRow | undefined> {
    const [row] = await this.dataSource.query<AttachmentRow[]>(
      `SELECT ${A_COLUMNS} FROM ticket_attachments a
         JOIN tickets t ON t.id = a.ticket_id AND t.company_id = a.company_id
        WHERE a.company_id = $1 AND a.ticket_id = $2 AND a.id = $3
          ${customerId ? 'AND t.customer_id = $4 AND NOT a.internal' : ''}`,
      customerId ? [companyId, ticketId, attachmentId, customerId] : [companyId, ticketId, attachmentId],
    );
    return row;
  }

  /** Merge: every attachment of one ticket moves to another (their comments move with them). */
  async moveToTicket(manager: EntityManager, fromTicketId: string, toTicketId: string): Promise<number> {
    const result = await manager.query<unknown[] | [unknown[], number]>(
      `UPDATE ticket_attachments SET ticket_id = $2 WHERE ticket_id = $1 RETURNING id`,
      [fromTicketId, toTicketId],
    );
    return returnedRows(result).length;
  }

  /**
   * Deletes up to `limit` uploads that were never attached and are older than the cutoff; answers their
   * storage keys, for the caller to delete the files once the rows are gone. A claim racing the
   * deletion either wins (the row is no longer unclaimed) or finds nothing to claim.
   */
  async deleteUnclaimed(cutoff: Date, limit: number): Promise<string[]> {
    const result = await this.dataSource.query<
      Array<{ storage_key: string }> | [Array<{ storage_key: string }>, number]
    >(
      `DELETE FROM ticket_attachments WHERE id IN (
         SELECT id FROM ticket_attachments WHERE ticket_id IS NULL AND created_at < $1
          ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING storage_key`,
      [cutoff, limit],
    );
    return returnedRows(result).map((row) => row.storage_key);
  }
}
