import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';

/** Seed 002's customer lifecycle and communication metrics, named and labelled exactly as the seed. */
@Injectable()
export class CustomersMetrics {
  private readonly created: Counter<'company_id' | 'source' | 'status'>;
  private readonly registrations: Counter<'company_id' | 'source'>;
  private readonly updated: Counter<'company_id' | 'field_changed'>;
  private readonly deleted: Counter<'company_id' | 'reason'>;
  private readonly statusChanged: Counter<'company_id' | 'from_status' | 'to_status'>;
  private readonly contactCreated: Counter<'company_id' | 'contact_type' | 'is_primary'>;
  private readonly communicationLogged: Counter<'company_id' | 'channel' | 'direction'>;

  constructor(
    registry: MetricsRegistry,
    private readonly tenant: TenantLabel,
  ) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] });
    this.created = counter('customer_created_total', 'Customers created', ['company_id', 'source', 'status']);
    // Seed 003's NewUsers: the same creations, under the name the WiFi dashboards use.
    this.registrations = counter('user_registrations_total', 'Customers registered (created), by source', [
      'company_id',
      'source',
    ]);
    this.updated = counter('customer_updated_total', 'Customer fields changed', [
      'company_id',
      'field_changed',
    ]);
    this.deleted = counter('customer_deleted_total', 'Customers deleted (soft, hard or anonymized)', [
      'company_id',
      'reason',
    ]);
    this.statusChanged = counter('customer_status_changed_total', 'Customer status transitions', [
      'company_id',
      'from_status',
      'to_status',
    ]);
    this.contactCreated = counter('customer_contact_created_total', 'Customer contacts created', [
      'company_id',
      'contact_type',
      'is_primary',
    ]);
    this.communicationLogged = counter(
      'customer_communication_logged_total',
      'Customer communications logged',
      ['company_id', 'channel', 'direction'],
    );
  }

  customerCreated(companyId: string, source: string, status: string): void {
    this.created.inc({ company_id: this.tenant.for('customer_created_total', companyId), source, status });
    this.registrations.inc({ company_id: this.tenant.for('user_registrations_total', companyId), source });
  }

  customerUpdated(companyId: string, fields: string[]): void {
    const company = this.tenant.for('customer_updated_total', companyId);
    for (const field of fields) this.updated.inc({ company_id: company, field_changed: field });
  }

  customerDeleted(companyId: string, reason: string): void {
    this.deleted.inc({ company_id: this.tenant.for('customer_deleted_total', companyId), reason });
  }

  statusChangedFrom(companyId: string, from: string, to: string): void {
    this.statusChanged.inc({
      company_id: this.tenant.for('customer_status_changed_total', companyId),
      from_status: from,
      to_status: to,
    });
  }

  contactAdded(companyId: string, contactType: string, isPrimary: boolean): void {
    this.contactCreated.inc({
      company_id: this.tenant.for('customer_contact_created_total', companyId),
      contact_type: contactType,
      is_primary: String(isPrimary),
    });
  }

  communicationAdded(companyId: string, channel: string, direction: string): void {
    this.communicationLogged.inc({
      company_id: this.tenant.for('customer_communication_logged_total', companyId),
      channel,
      direction,
    });
  }
}
