import { AppConfig } from '../config/app-config';
import { OTHER_TENANTS, TenantLabel } from './tenant-label';

describe('TenantLabel', () => {
  it('keeps the first N tenants per metric and folds the rest into other', () => {
    const config = Object.assign(new AppConfig(), { METRICS_TENANT_LABEL_CAP: 2 });
    const label = new TenantLabel(config);
    expect(label.for('a_total', 'c1')).toBe('c1');
    expect(label.for('a_total', 'c2')).toBe('c2');
    expect(label.for('a_total', 'c3')).toBe(OTHER_TENANTS);
    expect(label.for('a_total', 'c1')).toBe('c1');
    expect(label.for('b_total', 'c3')).toBe('c3');
  });
});
