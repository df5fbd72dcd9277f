import { Injectable } from '@nestjs/common';
import { Counter, Summary } from 'prom-client';
import { HttpMetrics, HttpTiming } from '../../platform/metrics/http.metrics';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { TenantLabel } from '../../platform/metrics/tenant-label';

/** The `operation` label of customer_request_duration_seconds: a closed set. */
export const CUSTOMER_OPERATIONS = [
  'list',
  'detail',
  'create',
  'update',
  'delete',
  'status',
  'search',
  'import',
  'export',
  'other',
] as const;
export type CustomerOperation = (typeof CUSTOMER_OPERATIONS)[number];

const BASE = '/v1/customers';

/**
 * The operation of a request by its method and route template (never the raw URL), or undefined for a
 * route outside /v1/customers. Sub-resources of a customer that are not the customer itself (contacts,
 * communications, credit, statements, bank accounts, journey, audit) are `other`.
 */
export function customerOperation(
  method: string,
  route: string | undefined,
  query?: unknown,
): CustomerOperation | undefined {
  if (route === undefined || (route !== BASE && !route.startsWith(`${BASE}/`))) return undefined;
  const rest = route.slice(BASE.length);
  if (rest === '/imports' || rest.startsWith('/imports/')) return 'import';
  if (rest === '/export' || rest === '/exports' || rest.startsWith('/exports/')) return 'export';
  if (rest === '' || rest === '/') {
    if (method === 'POST') return 'create';
    if (method !== 'GET') return 'other';
    const q = (query as { q?: unknown } | undefined)?.q;
    return typeof q === 'string' && q.trim() !== '' ? 'search' : 'list';
  }
  if (rest === '/:id') {
    switch (method) {
      case 'GET':
        return 'detail';
      case 'PATCH':
      case 'PUT':
        return 'update';
      case 'DELETE':
        return 'delete';
      default:
        return 'other';
    }
  }
  if (method === 'POST' && (rest === '/:id/status' || rest === '/:id/restore')) return 'status';
  return 'other';
}

/**
 * Seed 002's `customer_request_duration_seconds{operation}`: a summary (p50, p95, p99 over the last
 * 10 minutes) of every request whose route is under /v1/customers, timed by the platform's HTTP metrics.
 * Seed 002 alerts on `customer_request_duration_seconds{quantile="0.95"} > 2.0`.
 */
@Injectable()
export class CustomerRequestMetrics {
  private readonly duration: Summary<'operation'>;

  constructor(registry: MetricsRegistry, http: HttpMetrics) {
    this.duration = new Summary({
      name: 'customer_request_duration_seconds',
      help: 'Duration of requests to /v1/customers routes, by operation (quantiles over the last 10 minutes)',
      labelNames: ['operation'],
      percentiles: [0.5, 0.95, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers: [registry],
    });
    http.onTiming((timing) => this.observe(timing));
  }

  private observe(timing: HttpTiming): void {
    const operation = customerOperation(timing.method, timing.route, timing.query);
    if (operation) this.duration.observe({ operation }, timing.seconds);
  }
}

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
