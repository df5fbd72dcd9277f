import { Controller, Get, Param, Post, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import contentDisposition from 'content-disposition';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Roles } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { DomainException } from '../../platform/http/domain-exception';
import { TicketAttachmentsService } from './ticket-attachments.service';
import { uuidOr404 } from '../../platform/http/params';

const TicketId = uuidOr404('Ticket');
const AttachmentId = uuidOr404('Attachment');

/**
 * Upload (`POST /v1/tickets/attachments`, multipart) and download of ticket attachments. An upload is
 * attached by naming its id in `attachment_ids` when submitting a ticket or adding a comment.
 */
@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketAttachmentsController {
  constructor(private readonly attachments: TicketAttachmentsService) {}

  /**
   * One file, in a multipart/form-data part named `file`. Its type is decided by its content; the
   * name's extension and the part's Content-Type must agree with it. 413 when too large, 415 when of a
   * type not accepted or disguised; nothing is kept then.
   */
  @Post('attachments')
  @Roles('customer', 'agent', 'manager', 'admin')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  async upload(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest) {
    if (!request.isMultipart()) {
      throw new DomainException(
        'unsupported_media_type',
        'multipart-required',
        'Send the file as multipart/form-data, in a part named file',
      );
    }
    const part = await request.file();
    if (!part || part.fieldname !== 'file') {
      part?.file.resume();
      throw new DomainException('invalid_input', 'attachment-missing', 'No file was sent', [
        { field: 'file', message: 'send the file in a multipart part named file' },
      ]);
    }
    return this.attachments.upload(principal, {
      filename: part.filename,
      mimetype: part.mimetype,
      stream: part.file,
    });
  }

  /** The file, as an attachment, to those who may see the ticket (and, for customers, the comment). */
  @Get(':id/attachments/:attachmentId')
  @Roles('customer', 'viewer', 'agent', 'manager', 'admin')
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('id', TicketId) id: string,
    @Param('attachmentId', AttachmentId) attachmentId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const { attachment, stream } = await this.attachments.open(principal, id, attachmentId);
    void reply
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, no-store');
    const type = attachment.content_type.startsWith('text/')
      ? `${attachment.content_type}; charset=utf-8`
      : attachment.content_type;
    return new StreamableFile(stream, {
      type,
      disposition: contentDisposition(attachment.filename, { type: 'attachment' }),
      length: Number(attachment.size_bytes),
    });
  }
}
