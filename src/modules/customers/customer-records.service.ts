import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Principal } from '../../platform/auth/principal';
import { Clock } from '../../platform/clock/clock';
import { DomainException } from '../../platform/http/domain-exception';
import { decodeCursor, Page, PageQuery, toPage } from '../../platform/http/pagination';
import { CustomersRepository } from './customers.repository';
import { CustomersMetrics } from './customers.metrics';
import { CustomersService } from './customers.service';
import { AuditEntryResponse } from './dto/audit.dto';
import { CommunicationResponse, LogCommunicationDto } from './dto/communication.dto';
import { ContactResponse, CreateContactDto } from './dto/contact.dto';

const AUDIT_ID = /^\d{1,19}$/;

/** What hangs off a customer: contacts, the communication log and the audit trail. */
@Injectable()
export class CustomerRecordsService {
  constructor(
    private readonly customers: CustomersService,
    private readonly repository: CustomersRepository,
    private readonly metrics: CustomersMetrics,
    private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(CustomerRecordsService.name);
  }

  async addContact(
    principal: Principal,
    customerId: string,
    input: CreateContactDto,
  ): Promise<ContactResponse> {
    const started = performance.now();
    await this.customers.get(principal, customerId);
    const now = this.clock.now();
    const isPrimary = input.is_primary ?? false;
    const contact = await this.repository.transaction(async (manager) => {
      const saved = await this.repository.insertContact(manager, {
        companyId: principal.companyId,
        customerId,
        name: input.name,
        email: input.email ?? null,
        phone: input.phone ?? null,
        contactType: input.contact_type,
        isPrimary,
        createdAt: now,
        updatedAt: now,
      });
      if (saved === 'primary_taken') {
        throw new DomainException(
          'conflict',
          'customer-primary-contact-exists',
          'The customer already has a primary contact',
          [{ field: 'is_primary', message: 'a customer has at most one primary contact' }],
        );
      }
      await this.repository.appendAudit(manager, [
        this.customers.audit(
          principal,
          customerId,
          'contact',
          saved.id,
          'contact_created',
          {
            name: { after: saved.name },
            email: { after: saved.email },
            phone: { after: saved.phone },
            contact_type: { after: saved.contactType },
            is_primary: { after: saved.isPrimary },
          },
          now,
        ),
      ]);
      return saved;
    });
    this.metrics.contactAdded(principal.companyId, contact.contactType, contact.isPrimary);
    this.logger.info(
      {
        operation: 'customer.contact.create',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customerId,
        contact_id: contact.id,
        contact_type: contact.contactType,
        is_primary: contact.isPrimary,
        duration_ms: Math.round(performance.now() - started),
      },
      'Customer contact created',
    );
    return ContactResponse.from(contact);
  }

  async listContacts(principal: Principal, customerId: string): Promise<{ data: ContactResponse[] }> {
    await this.customers.get(principal, customerId);
    const contacts = await this.repository.listContacts(principal.companyId, customerId);
    return { data: contacts.map((contact) => ContactResponse.from(contact)) };
  }

  async logCommunication(
    principal: Principal,
    customerId: string,
    input: LogCommunicationDto,
  ): Promise<CommunicationResponse> {
    const started = performance.now();
    await this.customers.get(principal, customerId);
    const now = this.clock.now();
    const entry = await this.repository.transaction((manager) =>
      this.repository.insertCommunication(manager, {
        companyId: principal.companyId,
        customerId,
        channel: input.channel,
        direction: input.direction,
        subject: input.subject ?? null,
        body: input.body,
        occurredAt: input.occurred_at ? new Date(input.occurred_at) : now,
        userId: principal.userId,
        createdAt: now,
      }),
    );
    this.metrics.communicationAdded(principal.companyId, entry.channel, entry.direction);
    this.logger.info(
      {
        operation: 'customer.communication.log',
        company_id: principal.companyId,
        user_id: principal.userId,
        customer_id: customerId,
        channel: entry.channel,
        direction: entry.direction,
        duration_ms: Math.round(performance.now() - started),
      },
      'Customer communication logged',
    );
    return CommunicationResponse.from(entry);
  }

  async listCommunications(
    principal: Principal,
    customerId: string,
    query: PageQuery,
  ): Promise<Page<CommunicationResponse>> {
    await this.customers.get(principal, customerId);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.repository.listCommunications(
      principal.companyId,
      customerId,
      query.limit,
      after,
    );
    return toPage(
      rows,
      query.limit,
      (m) => ({ at: m.occurredAt.toISOString(), id: m.id }),
      (entry) => CommunicationResponse.from(entry),
    );
  }

  /** The audit trail survives deletion: an admin can read it for a deleted or erased customer too. */
  async audit(principal: Principal, customerId: string, query: PageQuery): Promise<Page<AuditEntryResponse>> {
    await this.customers.get(principal, customerId, true);
    const after = query.cursor ? decodeCursor(query.cursor, AUDIT_ID) : undefined;
    const rows = await this.repository.listAudit(principal.companyId, customerId, query.limit, after);
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: new Date(row.occurred_at).toISOString(), id: row.id }),
      (row) => ({ ...row, occurred_at: new Date(row.occurred_at).toISOString() }),
    );
  }
}
