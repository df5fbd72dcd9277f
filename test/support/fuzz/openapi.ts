/**
 * Walks the OpenAPI document the app serves (/docs-json): every operation, its path, query and header
 * parameters and its request body schema ($refs resolved), for the fuzz suite to aim at.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI template, e.g. /v1/customers/{id}. */
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  headerParams: Parameter[];
  /** application/json body schema (resolved), when the operation takes one. */
  jsonBody?: Schema;
  /** multipart/form-data upload (file field name). */
  multipartField?: string;
  /** No bearer token needed (no `security` in the document). */
  public: boolean;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface RawOperation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: unknown[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function resolveSchema(document: OpenApiDocument, schema: Schema | undefined, depth = 0): Schema {
  if (!schema) return {};
  if (depth > 8) return { type: 'object' };
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(document, document.components?.schemas?.[name], depth + 1);
  }
  const resolved: Schema = { ...schema };
  if (schema.items) resolved.items = resolveSchema(document, schema.items, depth + 1);
  if (schema.oneOf) resolved.oneOf = schema.oneOf.map((s) => resolveSchema(document, s, depth + 1));
  if (schema.anyOf) resolved.anyOf = schema.anyOf.map((s) => resolveSchema(document, s, depth + 1));
  if (schema.allOf) {
    const parts = schema.allOf.map((s) => resolveSchema(document, s, depth + 1));
    return parts.reduce<Schema>(
      (all, part) => ({
        ...all,
        ...part,
        properties: { ...all.properties, ...part.properties },
        required: [...(all.required ?? []), ...(part.required ?? [])],
      }),
      resolved,
    );
  }
  if (schema.properties) {
    resolved.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([key, value]) => [
        key,
        resolveSchema(document, value, depth + 1),
      ]),
    );
  }
  return resolved;
}

/** Every operation of the document, in document order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const raw = item[method];
      if (!raw) continue;
      const parameters = (raw.parameters ?? []).map((p) => ({
        ...p,
        schema: resolveSchema(document, p.schema),
      }));
      const content = raw.requestBody?.content ?? {};
      const multipart = content['multipart/form-data']?.schema;
      const multipartSchema = multipart ? resolveSchema(document, multipart) : undefined;
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        headerParams: parameters.filter((p) => p.in === 'header'),
        jsonBody: content['application/json']
          ? resolveSchema(document, content['application/json'].schema)
          : undefined,
        multipartField: multipartSchema
          ? (Object.keys(multipartSchema.properties ?? {})[0] ?? 'file')
          : undefined,
        public: !raw.security || raw.security.length === 0,
      });
    }
  }
  return operations;
}

/**
 * What a path parameter names, from the path around it: `customers/{id}` is a customer,
 * `aging/customers/{customerId}` too, `webhooks/{id}/deliveries/{deliveryId}` a webhook delivery.
 */
export function resourceKind(path: string, param: string): string {
  const segments = path.split('/').filter(Boolean);
  const index = segments.indexOf(`{${param}}`);
  const before = segments.slice(0, index).filter((s) => !s.startsWith('{'));
  const last = before[before.length - 1] ?? '';
  const previous = before[before.length - 2] ?? '';
  if (param === 'companyId') return 'company';
  if (param === 'userId') return 'staff';
  if (param === 'attachmentId') return 'attachment';
  if (param === 'deliveryId') return 'webhook-delivery';
  if (param === 'customerId') return 'customer';
  if (param === 'category') return 'category';
  if (param === 'name') return 'calendar';
  if (param === 'error_type') return 'error-type';
  if (param === 'provider') return 'provider';
  if (param === 'idOrSlug') return 'article';
  const joined = `${previous}/${last}`;
  const byPath: Record<string, string> = {
    'customers/imports': 'import',
    'customers/exports': 'export',
    'notifications/deliveries': 'notification-delivery',
    '/notifications': 'notification',
    'v1/notifications': 'notification',
    'kb/reviews': 'kb-review',
    'statements/runs': 'statement-run',
    'bank-accounts/requests': 'bank-account-request',
    'vouchers/batches': 'voucher-batch',
    'aging/snapshots': 'aging-snapshot',
    'credit/adjustments': 'credit-adjustment',
  };
  if (byPath[joined]) return byPath[joined];
  const byLast: Record<string, string> = {
    companies: 'company',
    customers: 'customer',
    webhooks: 'webhook',
    tickets: 'ticket',
    maintenance: 'maintenance',
    statements: 'statement',
    payments: 'payment',
    packages: 'package',
    sessions: 'session',
    'access-devices': 'access-device',
    invoices: 'invoice',
  };
  return byLast[last] ?? `${last}:${param}`;
}
