import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../../platform/auth/principal';
import { Clock } from '../../../platform/clock/clock';
import { AppConfig } from '../../../platform/config/app-config';
import { EventBus } from '../../../platform/events/event-bus';
import { DomainException } from '../../../platform/http/domain-exception';
import { ObjectStorage } from '../../../platform/storage/object-storage';
import { safeFilename } from '../../../platform/storage/safe-filename';
import { ImportFileInspector } from './import-file-inspector';
import { ImportFormat, jsonFlavour } from './import-readers';
import { CustomerImportsRepository, ImportErrorRow, ImportRow } from './customer-imports.repository';

export interface ImportUpload {
  filename: string;
  mimetype: string;
  stream: Readable;
}

export interface ImportOptions {
  format?: ImportFormat;
  dryRun: boolean;
}

const BY_EXTENSION: Record<string, ImportFormat> = {
  csv: 'csv',
  txt: 'csv',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
};
const BY_MEDIA_TYPE: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

/**
 * The format of an import: as the request says, else by the file's extension or media type, else by
 * its first character (`[` or `{` is JSON, anything else is read as CSV).
 */
export function importFormat(
  options: ImportOptions,
  filename: string,
  mimetype: string,
  head: Buffer,
): ImportFormat {
  if (options.format) return options.format;
  const extension = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  if (extension && BY_EXTENSION[extension]) return BY_EXTENSION[extension];
  const media = BY_MEDIA_TYPE[mimetype.split(';')[0].trim().toLowerCase()];
  if (media) return media;
  const first = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()[0];
  return first === '[' || first === '{' ? jsonFlavour(head) : 'csv';
}

/**
 * Customer imports (seed 002 §4): the file is streamed to object storage as it arrives and checked on
 * the way (size, not binary, not empty); the import row and its CustomerImportRequested event are then
 * written in one transaction, so an accepted file is never lost and the worker always gets it.
 */
@Injectable()
export class CustomerImportsService {
  constructor(
    private readonly repository: CustomerImportsRepository,
    private readonly storage: ObjectStorage,
    private readonly events: EventBus,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(CustomerImportsService.name);
  }

  async upload(principal: Principal, file: ImportUpload, options: ImportOptions): Promise<ImportRow> {
    const id = randomUUID();
    const key = `customer-imports/${principal.companyId}/${id}`;
    const inspector = new ImportFileInspector(this.config.IMPORT_MAX_BYTES);
    try {
      await this.storage.put(
        key,
        pipeline(file.stream, inspector, () => undefined),
      );
    } catch (error) {
      file.stream.resume(); // let the request finish so the 4xx can be sent
      await this.storage.delete(key).catch(() => undefined);
      throw error;
    }
    const format = importFormat(options, file.filename, file.mimetype, inspector.head);
    try {
      const row = await this.repository.transaction(async (manager) => {
        const inserted = await this.repository.insert(manager, {
          id,
          company_id: principal.companyId,
          requested_by: principal.userId,
          format,
          filename: safeFilename(file.filename || `import.${format}`),
          storage_key: key,
          size_bytes: String(inspector.size),
          dry_run: options.dryRun,
          created_at: this.clock.now(),
        });
        await this.events.publish(manager, {
          type: 'CustomerImportRequested',
          companyId: principal.companyId,
          userId: principal.userId,
          metadata: { import_id: id, format, dry_run: options.dryRun },
        });
        return inserted;
      });
      this.logger.info(
        {
          operation: 'customer.import.accept',
          company_id: principal.companyId,
          user_id: principal.userId,
          import_id: id,
          format,
          size_bytes: inspector.size,
          dry_run: options.dryRun,
        },
        'Customer import accepted',
      );
      return row;
    } catch (error) {
      await this.storage.delete(key).catch(() => undefined);
      throw error;
    }
  }

  async get(principal: Principal, id: string): Promise<ImportRow> {
    const row = await this.repository.find(principal.companyId, id);
    if (!row) throw DomainException.notFound('Import');
    return row;
  }

  list(principal: Principal, limit: number, after?: { at: string; id: string }): Promise<ImportRow[]> {
    return this.repository.list(principal.companyId, limit, after);
  }

  async errors(
    principal: Principal,
    id: string,
    limit: number,
    after?: { row: number; field: string },
  ): Promise<ImportErrorRow[]> {
    await this.get(principal, id);
    return this.repository.errors(id, limit, after);
  }
}
