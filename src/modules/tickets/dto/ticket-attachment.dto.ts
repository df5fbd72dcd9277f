import type { AttachmentRow } from '../ticket-attachments.repository';

/** An attachment as the API shows it (on a ticket, a comment, or just uploaded). */
export function attachmentResponse(row: AttachmentRow) {
  return {
    id: row.id,
    filename: row.filename,
    content_type: row.content_type,
    size_bytes: Number(row.size_bytes),
    sha256: row.sha256,
    ticket_id: row.ticket_id,
    comment_id: row.comment_id,
    internal: row.internal,
    created_at: new Date(row.created_at).toISOString(),
    download_url: row.ticket_id ? `/v1/tickets/${row.ticket_id}/attachments/${row.id}` : null,
  };
}

export type AttachmentResponse = ReturnType<typeof attachmentResponse>;

/** A fresh upload: its id goes into `attachment_ids` of a ticket or comment before `expires_at`. */
export function uploadResponse(row: AttachmentRow, expiresAt: Date) {
  return {
    id: row.id,
    filename: row.filename,
    content_type: row.content_type,
    size_bytes: Number(row.size_bytes),
    sha256: row.sha256,
    created_at: new Date(row.created_at).toISOString(),
    expires_at: expiresAt.toISOString(),
  };
}
