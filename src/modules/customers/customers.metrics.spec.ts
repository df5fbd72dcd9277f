import { CUSTOMER_OPERATIONS, customerOperation } from './customers.metrics';

describe('customerOperation', () => {
  it.each([
    ['GET', '/v1/customers', {}, 'list'],
    ['GET', '/v1/customers', { status: 'active' }, 'list'],
    ['GET', '/v1/customers', { q: 'acme' }, 'search'],
    ['GET', '/v1/customers', { q: '  ' }, 'list'],
    ['POST', '/v1/customers', {}, 'create'],
    ['GET', '/v1/customers/:id', {}, 'detail'],
    ['PATCH', '/v1/customers/:id', {}, 'update'],
    ['DELETE', '/v1/customers/:id', {}, 'delete'],
    ['POST', '/v1/customers/:id/status', {}, 'status'],
    ['POST', '/v1/customers/:id/restore', {}, 'status'],
    ['POST', '/v1/customers/imports', {}, 'import'],
    ['GET', '/v1/customers/imports/:id/errors', {}, 'import'],
    ['GET', '/v1/customers/export', {}, 'export'],
    ['POST', '/v1/customers/exports', {}, 'export'],
    ['GET', '/v1/customers/exports/:id/file', {}, 'export'],
    ['POST', '/v1/customers/:id/contacts', {}, 'other'],
    ['GET', '/v1/customers/:id/credit', {}, 'other'],
    ['POST', '/v1/customers/:id/statements', {}, 'other'],
  ])('%s %s %j is %s', (method, route, query, expected) => {
    expect(customerOperation(method, route, query)).toBe(expected);
  });

  it('ignores routes outside /v1/customers and unmatched requests', () => {
    expect(customerOperation('GET', '/v1/customers-archive', {})).toBeUndefined();
    expect(customerOperation('GET', '/v1/invoices/:id', {})).toBeUndefined();
    expect(customerOperation('GET', undefined, {})).toBeUndefined();
  });

  it('only ever answers one of the closed set of operations', () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      for (const route of ['/v1/customers', '/v1/customers/:id', '/v1/customers/:id/anything/:x']) {
        expect(CUSTOMER_OPERATIONS).toContain(customerOperation(method, route, { q: 'abc' }));
      }
    }
  });
});
