import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

export const OTHER_TENANTS = 'other';

/**
 * The only way a `company_id` label value is made. Each metric keeps at most METRICS_TENANT_LABEL_CAP
 * distinct tenants; later ones are folded into `other`, so a large tenant count cannot explode series.
 */
@Injectable()
export class TenantLabel {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly config: AppConfig) {}

  for(metric: string, companyId: string): string {
    let tenants = this.seen.get(metric);
    if (!tenants) {
      tenants = new Set();
      this.seen.set(metric, tenants);
    }
    if (tenants.has(companyId)) return companyId;
    if (tenants.size >= this.config.METRICS_TENANT_LABEL_CAP) return OTHER_TENANTS;
    tenants.add(companyId);
    return companyId;
  }
}
