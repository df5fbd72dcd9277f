import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Operation, Parameter, Schema } from './openapi';

/** Strings every text input must survive: injection, traversal, unicode edge cases, NaN-likes. */
export const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  "' OR 1=1 --",
  "'; DROP TABLE customers; --",
  '" OR ""="',
  "1' UNION SELECT company_id, name FROM customers --",
  '\\',
  '%',
  '_',
  '%00',
  '\u0000',
  'a\u0000b',
  '{{7*7}}',
  '${7*7}',
  '<%= 7*7 %>',
  '#{7*7}',
  '{{constructor.constructor("return process")()}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x10',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '9223372036854775807',
  '-9223372036854775809',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\u202eexe.txt',
  '\u200b\u200c\u200d\ufeff',
  '\u0301\u0301\u0301',
  '😀👨‍👩‍👧‍👦🏳️‍🌈',
  'ﷺ𒐫𒈙',
  '\r\nX-Injected: 1',
  '\t\n\v\f',
  '__proto__',
  'constructor',
  '2026-02-30',
  '2026-13-01T25:61:61Z',
  '0000-00-00',
  '+99999-01-01',
  'KES ',
  'kes',
  'XXX',
  'mailto:a@b',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
];

export const HUGE_STRING_LENGTH = 100_000;

export const NUMBERS: number[] = [
  0,
  -0,
  -1,
  1.5,
  0.1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 63),
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  1e-7,
];

/** JSON number literals JavaScript cannot hold exactly (sent as raw JSON text). */
export const RAW_NUMBER_LITERALS = [
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '1e400',
  '-1e400',
  '1E-400',
  '0.30000000000000004',
  '123456789012345678901234567890',
];

export const TRAVERSAL_FILE_NAMES = [
  '../../etc/passwd',
  '../../../../../../tmp/fuzz-escape.txt',
  '..\\..\\..\\windows\\win.ini',
  '..%2F..%2Fescape.txt',
  '/etc/passwd',
  'C:\\Windows\\system.ini',
  'evil\u202egnp.exe',
  'a\u0000.png',
  '.htaccess',
  'shell.php',
  'x'.repeat(1000) + '.txt',
  '💣.csv',
  '',
  '.',
  '..',
];

const charString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

/** A hostile string: one of the list, a random one, a combination, or a huge one. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: charString },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...HOSTILE_STRINGS), charString, fc.constantFrom(...HOSTILE_STRINGS))
      .map(([a, b, c]) => a + b + c),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('A', '😀', "' OR 1=1 --", '\u202e', 'é', '{{7*7}}')
      .map((unit) => unit.repeat(Math.ceil(HUGE_STRING_LENGTH / unit.length))),
  },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

function deepNesting(depth: number, array: boolean): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i += 1) value = array ? [value] : { a: value };
  return value;
}

/** A value of any (probably wrong) type. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [null], [[]], [{}]) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(20, 200, 2000), fc.boolean())
      .map(([depth, array]) => deepNesting(depth, array)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(JSON.parse('{"__proto__": {"polluted": true}}') as unknown, {
      constructor: { prototype: { polluted: true } },
    }),
  },
);

/** What the generators know about the fixtures: real ids of each kind, per tenant. */
export interface FuzzContext {
  /** Real ids by resource kind for tenant A (the caller's usual tenant) and B (the foreign one). */
  ids: { a: Record<string, string[]>; b: Record<string, string[]> };
  idempotencyKeys: string[];
  deviceKeys: { a: string[]; b: string[] };
}

const UUID_KIND_BY_FIELD: Record<string, string> = {
  customer_id: 'customer',
  package_id: 'package',
  purpose_id: 'invoice',
  article_id: 'article',
  assignee_id: 'staff',
  owner_id: 'staff',
  invoice_id: 'invoice',
  ticket_id: 'ticket',
  target_ticket_id: 'ticket',
  payment_id: 'payment',
  recipient_id: 'customer',
  id: 'customer',
};

/** A real id of kind (A's or B's), a random uuid, or nothing usable. */
function idFor(context: FuzzContext, kind: string): fc.Arbitrary<string> {
  const options: Array<fc.Arbitrary<string>> = [fc.uuid({ version: 4 })];
  const a = context.ids.a[kind] ?? [];
  const b = context.ids.b[kind] ?? [];
  if (a.length) options.push(fc.constantFrom(...a), fc.constantFrom(...a));
  if (b.length) options.push(fc.constantFrom(...b));
  return fc.oneof(...options);
}

function plausibleString(name: string, schema: Schema, context: FuzzContext): fc.Arbitrary<string> {
  if (schema.format === 'date') return fc.constantFrom('2026-10-01', '2026-11-15', '2026-12-31');
  if (schema.format === 'date-time')
    return fc.constantFrom(
      new Date(Date.now() + 3 * 86_400_000).toISOString(),
      new Date(Date.now() - 86_400_000).toISOString(),
      '2027-01-01T00:00:00+03:00',
    );
  if (schema.format === 'uuid' || name.endsWith('_id') || name === 'id')
    return idFor(context, UUID_KIND_BY_FIELD[name] ?? name.replace(/_id$/, ''));
  if (/email/.test(name)) return fc.constantFrom('fuzz@example.test', 'a+b@example.test');
  if (/phone/.test(name)) return fc.constantFrom('+254700000001', '+254712345678');
  if (name === 'currency') return fc.constantFrom('KES', 'USD');
  if (name === 'url') return fc.constantFrom('https://example.com/hooks/fuzz', 'http://127.0.0.1:9/hook');
  if (/^(as_of|since|from|to|due_from|due_to|created_from|created_to)$/.test(name))
    return fc.constantFrom('2026-10-01', '2026-11-01T00:00:00Z');
  if (name === 'period') return fc.constant('2026-10');
  if (name === 'iban') return fc.constant('GB82WEST12345698765432');
  if (name === 'routing_number') return fc.constant('021000021');
  if (name === 'account_number') return fc.constant('12345678');
  if (name === 'category') return fc.constantFrom('billing', 'connectivity', 'general');
  if (/^(services|department|slug|tags|flow|bin|group_by|interval)$/.test(name))
    return fc.constantFrom('wifi', 'billing', 'fuzz-1', 'day');
  if (name === 'external_id') return fc.constantFrom('crm-1', 'crm-2');
  if (name === 'cursor') return fc.constantFrom('eyJhdCI6IjIwMjYtMTEtMDEiLCJpZCI6IngifQ', 'bad');
  if (typeof schema.example === 'string') return fc.constant(schema.example);
  const max = Math.min(schema.maxLength ?? 60, 60);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.string({ minLength: Math.max(1, schema.minLength ?? 1), maxLength: Math.max(1, max) }),
    },
    // Injection and unicode edge cases inside the allowed length: these reach the database.
    {
      weight: 2,
      arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length > 0 && s.length <= max)),
    },
  );
}

/** A value the schema allows (as far as the document tells), with hostile but valid-typed strings. */
export function plausibleValue(
  schema: Schema,
  name: string,
  context: FuzzContext,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.enum && schema.enum.length) return fc.constantFrom(...schema.enum);
  if (schema.oneOf?.length)
    return fc.oneof(...schema.oneOf.map((s) => plausibleValue(s, name, context, depth + 1)));
  if (schema.anyOf?.length)
    return fc.oneof(...schema.anyOf.map((s) => plausibleValue(s, name, context, depth + 1)));
  const type = schema.type ?? (schema.properties ? 'object' : 'string');
  switch (type) {
    case 'number':
    case 'integer': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? Math.max(min + 1000, 1000);
      return fc.oneof(
        fc.integer({ min: Math.ceil(min), max: Math.floor(max) }),
        fc.constantFrom(Math.ceil(min), Math.floor(max)),
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth > 4) return fc.constant([]);
      const item = plausibleValue(schema.items ?? { type: 'string' }, name, context, depth + 1);
      return fc.array(item, {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    }
    case 'object': {
      if (!schema.properties && schema.additionalProperties === undefined) {
        // The document renders `string | null` fields as bare objects (email, phone, external_id):
        // a string, sometimes null.
        return fc.oneof(
          { weight: 4, arbitrary: plausibleString(name, { ...schema, type: 'string' }, context) },
          { weight: 1, arbitrary: fc.constant(null) },
        );
      }
      if (!schema.properties) {
        // Open metadata (jsonb): hostile keys and values are fair game here.
        return fc.dictionary(
          fc.string({ maxLength: 12 }),
          fc.oneof(hostileString, hostileNumber, fc.boolean()),
          {
            maxKeys: 3,
          },
        );
      }
      if (depth > 4) return fc.constant({});
      return objectOf(schema, context, depth);
    }
    default:
      return plausibleString(name, schema, context);
  }
}

function objectOf(
  schema: Schema,
  context: FuzzContext,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(properties).map(([key, value]) => {
    const arbitrary = plausibleValue(value, key, context, depth + 1);
    return [key, required.has(key) ? arbitrary : fc.option(arbitrary, { nil: undefined, freq: 2 })] as const;
  });
  return fc.tuple(...entries.map(([, arbitrary]) => arbitrary)).map((values) => {
    const body: Record<string, unknown> = {};
    entries.forEach(([key], index) => {
      if (values[index] !== undefined) body[key] = values[index];
    });
    return body;
  });
}

export interface GeneratedBody {
  /** How the body was made, for the report. */
  label: string;
  contentType?: string;
  /** The exact bytes sent (JSON text, or anything else). */
  text?: string;
  buffer?: Buffer;
}

const json = (label: string, value: unknown): GeneratedBody => ({
  label,
  contentType: 'application/json',
  text: JSON.stringify(value),
});

/** A request body for an operation that takes JSON: plausible, mutated, or plain hostile. */
export function jsonBodyArb(schema: Schema, context: FuzzContext): fc.Arbitrary<GeneratedBody> {
  const plausible = plausibleValue(schema, 'body', context).map((v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {},
  );
  const keys = Object.keys(schema.properties ?? {});
  const requiredKeys = schema.required ?? [];
  const mutations: Array<fc.Arbitrary<GeneratedBody>> = [
    plausible.map((body) => json('plausible', body)),
    fc
      .tuple(plausible, fc.constantFrom(...(keys.length ? keys : ['name'])), hostileValue)
      .map(([body, key, value]) => json(`wrong type for ${key}`, { ...body, [key]: value })),
    fc
      .tuple(plausible, fc.constantFrom(...(keys.length ? keys : ['name'])), hostileValue)
      .map(([body, key, value]) =>
        json(`wrong type for ${key} (twice)`, { ...body, [key]: value, zz_extra: value }),
      ),
    fc
      .tuple(
        plausible,
        fc.oneof(hostileString, fc.constantFrom('__proto__', 'company_id', 'id', 'status')),
        hostileValue,
      )
      .map(([body, key, value]) => {
        const copy: Record<string, unknown> = { ...body };
        Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
        return json(`extra property ${JSON.stringify(key.slice(0, 30))}`, copy);
      }),
    fc.tuple(plausible, hostileValue).map(([, value]) => json('whole body hostile', value)),
    fc.constantFrom<GeneratedBody>(
      { label: 'invalid JSON', contentType: 'application/json', text: '{"name": ' },
      { label: 'invalid JSON (NaN)', contentType: 'application/json', text: '{"amount_minor": NaN}' },
      { label: 'empty JSON body', contentType: 'application/json', text: '' },
      { label: 'duplicate keys', contentType: 'application/json', text: '{"name":"a","name":{"$gt":""}}' },
      { label: 'text/plain body', contentType: 'text/plain', text: "' OR 1=1 --" },
      {
        label: 'xml body',
        contentType: 'application/xml',
        text: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
      },
      {
        label: 'form body',
        contentType: 'application/x-www-form-urlencoded',
        text: 'name=a&name=b&__proto__[x]=1',
      },
      {
        label: 'oversized body (1.1 MB)',
        contentType: 'application/json',
        text: JSON.stringify({ name: 'x'.repeat(1_150_000) }),
      },
      { label: 'no body', contentType: undefined, text: undefined },
    ),
  ];
  if (requiredKeys.length) {
    mutations.push(
      fc.tuple(plausible, fc.constantFrom(...requiredKeys)).map(([body, key]) => {
        const copy = { ...body };
        delete copy[key];
        return json(`missing required ${key}`, copy);
      }),
    );
  }
  const numericKeys = keys.filter((key) =>
    ['number', 'integer'].includes(schema.properties?.[key]?.type ?? ''),
  );
  if (numericKeys.length) {
    mutations.push(
      fc
        .tuple(plausible, fc.constantFrom(...numericKeys), fc.constantFrom(...RAW_NUMBER_LITERALS))
        .map(([body, key, literal]) => ({
          label: `raw number ${literal} for ${key}`,
          contentType: 'application/json',
          text: JSON.stringify({ ...body, [key]: '__RAW__' }).replace('"__RAW__"', literal),
        })),
    );
  }
  const stringKeys = keys.filter((key) => (schema.properties?.[key]?.type ?? 'string') === 'string');
  if (stringKeys.length) {
    mutations.push(
      fc
        .tuple(plausible, fc.constantFrom(...stringKeys), hostileString)
        .map(([body, key, value]) => json(`hostile string for ${key}`, { ...body, [key]: value })),
    );
  }
  return fc.oneof(...mutations.map((arbitrary, index) => ({ weight: index === 0 ? 4 : 2, arbitrary })));
}

/** A multipart upload with a hostile file name, content type and content. */
export function multipartBodyArb(field: string): fc.Arbitrary<GeneratedBody> {
  return fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...TRAVERSAL_FILE_NAMES),
        hostileString.filter((s) => s.length < 300),
      ),
      fc.constantFrom('text/csv', 'text/plain', 'image/png', 'application/x-msdownload', 'text/html', ''),
      fc.oneof(
        fc.constantFrom(
          'name,currency\nAcme,KES\n',
          "name,currency\n\"' OR 1=1 --\",KES\n=cmd|' /C calc'!A0,KES\n",
          '\u0000\u0001\u0002',
          '%PDF-1.4\n',
          '<html><script>alert(1)</script></html>',
          '\x89PNG\r\n\x1a\n',
        ),
        hostileString,
      ),
      fc.constantFrom(field, 'other', `${field}"; filename="../../x`),
    )
    .map(([filename, contentType, content, name]) => {
      const boundary = `----fuzz${randomUUID().replace(/-/g, '')}`;
      const head =
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename.replace(/"/g, '%22')}"\r\n` +
        (contentType ? `Content-Type: ${contentType}\r\n` : '') +
        '\r\n';
      const buffer = Buffer.concat([
        Buffer.from(head, 'utf8'),
        Buffer.from(content, 'utf8'),
        Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
      ]);
      return {
        label: `multipart file ${JSON.stringify(filename.slice(0, 60))} as ${contentType || '(none)'}`,
        contentType: `multipart/form-data; boundary=${boundary}`,
        buffer,
      };
    });
}

export interface PathValue {
  value: string;
  label: string;
}

const MALFORMED_PATH_VALUES: PathValue[] = [
  { value: '../../etc/passwd', label: 'raw ../../etc/passwd' },
  { value: encodeURIComponent('../../etc/passwd'), label: 'encoded ../../etc/passwd' },
  { value: '%00', label: '%00' },
  { value: 'abc%00def', label: 'NUL inside' },
  { value: 'x'.repeat(5000), label: 'very long' },
  { value: encodeURIComponent('😀\u202e\u200b'), label: 'unicode' },
  { value: '%ED%A0%BD', label: 'lone surrogate (CESU-8 bytes)' },
  { value: '%C0%AF', label: 'overlong utf-8' },
  { value: '%', label: 'bad percent' },
  { value: encodeURIComponent("' OR 1=1 --"), label: 'sql injection' },
  { value: encodeURIComponent('{{7*7}}'), label: 'template' },
  { value: '-1', label: '-1' },
  { value: '0', label: '0' },
  { value: '9223372036854775808', label: '2^63' },
  { value: 'null', label: 'null' },
  { value: '00000000-0000-0000-0000-000000000000', label: 'nil uuid' },
  { value: randomUUID().toUpperCase(), label: 'upper-case uuid' },
  { value: `${randomUUID()}x`, label: 'uuid plus junk' },
  { value: randomUUID().replace(/-/g, ''), label: 'uuid without dashes' },
];

/** A value for a path parameter: A's real id, B's (foreign tenant), a random uuid, or malformed. */
export function pathValueArb(kind: string, context: FuzzContext): fc.Arbitrary<PathValue> {
  const options: Array<{ weight: number; arbitrary: fc.Arbitrary<PathValue> }> = [
    { weight: 2, arbitrary: fc.uuid({ version: 4 }).map((value) => ({ value, label: 'random uuid' })) },
    { weight: 3, arbitrary: fc.constantFrom(...MALFORMED_PATH_VALUES) },
    {
      weight: 1,
      arbitrary: hostileString
        .filter((s) => s.length > 0 && s.length < 2000)
        .map((s) => ({
          value: encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?')),
          label: 'hostile string',
        })),
    },
  ];
  const a = context.ids.a[kind] ?? [];
  const b = context.ids.b[kind] ?? [];
  if (a.length)
    options.push({
      weight: 5,
      arbitrary: fc
        .constantFrom(...a)
        .map((value) => ({ value: encodeURIComponent(value), label: `tenant A ${kind}` })),
    });
  if (b.length)
    options.push({
      weight: 3,
      arbitrary: fc
        .constantFrom(...b)
        .map((value) => ({ value: encodeURIComponent(value), label: `tenant B ${kind}` })),
    });
  return fc.oneof(...options);
}

/** A query string over the declared parameters: plausible, wrong types, repeated, huge, unknown. */
export function queryArb(params: Parameter[], context: FuzzContext): fc.Arbitrary<string> {
  const perParam = params.map((param) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<string[] | undefined>(undefined) },
      {
        weight: 3,
        arbitrary: plausibleValue(param.schema ?? {}, param.name, context).map((v) => [
          typeof v === 'string' ? v : JSON.stringify(v),
        ]),
      },
      { weight: 2, arbitrary: hostileString.map((s) => [s.slice(0, 5000)]) },
      { weight: 1, arbitrary: hostileNumber.map((n) => [String(n)]) },
      {
        weight: 1,
        arbitrary: fc.array(
          hostileString.map((s) => s.slice(0, 200)),
          { minLength: 2, maxLength: 3 },
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom([''], ['[object Object]'], ['-1'], ['1e309'], ['201'], ['abc']),
      },
    ),
  );
  return fc
    .tuple(
      fc.tuple(...perParam),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.tuple(
            hostileString.map((s) => s.slice(0, 100)),
            hostileString.map((s) => s.slice(0, 100)),
          ),
        },
      ),
    )
    .map(([values, extra]) => {
      const parts: string[] = [];
      params.forEach((param, index) => {
        for (const value of values[index] ?? [])
          parts.push(`${encodeURIComponent(param.name)}=${encodeQuery(value)}`);
      });
      if (extra) parts.push(`${encodeQuery(extra[0])}=${encodeQuery(extra[1])}`);
      return parts.length ? `?${parts.join('&')}` : '';
    });
}

function encodeQuery(value: string): string {
  // Lone surrogates cannot be percent-encoded as UTF-8; send their replacement.
  return encodeURIComponent(
    value.replace(/[\ud800-\udfff]/g, (c, i: number, s: string) => {
      const code = c.charCodeAt(0);
      const next = s.charCodeAt(i + 1);
      const prev = s.charCodeAt(i - 1);
      const paired = code < 0xdc00 ? next >= 0xdc00 && next <= 0xdfff : prev >= 0xd800 && prev < 0xdc00;
      return paired ? c : '\ufffd';
    }),
  );
}

/** Header values Node's HTTP client will send (no CR/LF, latin-1 only). */
export const headerValueArb: fc.Arbitrary<string> = hostileString
  .map((s) => s.slice(0, 400))
  .filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s));

export const AUTH_VARIANTS = [
  'admin-a',
  'staff-a',
  'customer-a2',
  'admin-b',
  'no-token',
  'bad-token',
] as const;
export type AuthVariant = (typeof AUTH_VARIANTS)[number];

export const authArb: fc.Arbitrary<AuthVariant> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<AuthVariant>('admin-a') },
  { weight: 3, arbitrary: fc.constant<AuthVariant>('staff-a') },
  { weight: 3, arbitrary: fc.constant<AuthVariant>('customer-a2') },
  { weight: 4, arbitrary: fc.constant<AuthVariant>('admin-b') },
  { weight: 2, arbitrary: fc.constant<AuthVariant>('no-token') },
  { weight: 1, arbitrary: fc.constant<AuthVariant>('bad-token') },
);

export interface FuzzCase {
  auth: AuthVariant;
  /** Index into the staff roles / bad tokens of the suite (which one of that variant). */
  authPick: number;
  path: string;
  pathLabels: string[];
  query: string;
  body?: GeneratedBody;
  headers: Record<string, string>;
}

/** Every case for one operation. */
export function caseArb(
  operation: Operation,
  context: FuzzContext,
  kindOf: (param: string) => string,
): fc.Arbitrary<FuzzCase> {
  const pathArbs = operation.pathParams.map((param) => pathValueArb(kindOf(param.name), context));
  const body: fc.Arbitrary<GeneratedBody | undefined> = operation.multipartField
    ? fc.oneof(
        { weight: 4, arbitrary: multipartBodyArb(operation.multipartField) },
        { weight: 1, arbitrary: jsonBodyArb({ type: 'object', properties: {} }, context) },
      )
    : operation.jsonBody
      ? jsonBodyArb(operation.jsonBody, context)
      : operation.method === 'GET' || operation.method === 'DELETE'
        ? fc.constant(undefined)
        : fc.option(jsonBodyArb({ type: 'object', properties: {} }, context), { nil: undefined });
  const headerArbs = operation.headerParams.map((param) => {
    const lower = param.name.toLowerCase();
    const known =
      lower === 'idempotency-key'
        ? context.idempotencyKeys
        : lower === 'x-device-key'
          ? [...context.deviceKeys.a, ...context.deviceKeys.b]
          : [];
    const options: Array<fc.Arbitrary<string | undefined>> = [
      fc.constant(undefined),
      fc.uuid({ version: 4 }),
      headerValueArb,
    ];
    if (known.length) options.push(fc.constantFrom(...known), fc.constantFrom(...known));
    return fc.oneof(...options).map((value) => [param.name, value] as const);
  });
  return fc
    .record({
      auth: authArb,
      authPick: fc.nat(20),
      pathValues: fc.tuple(...pathArbs),
      query: queryArb(operation.queryParams, context),
      body,
      headers: fc.tuple(...headerArbs),
    })
    .map(({ auth, authPick, pathValues, query, body: generated, headers }) => {
      let path = operation.path;
      operation.pathParams.forEach((param, index) => {
        path = path.replace(`{${param.name}}`, pathValues[index].value);
      });
      return {
        auth,
        authPick,
        path,
        pathLabels: pathValues.map((v, index) => `${operation.pathParams[index].name}: ${v.label}`),
        query,
        body: generated,
        headers: Object.fromEntries(headers.filter(([, value]) => value !== undefined)) as Record<
          string,
          string
        >,
      };
    });
}

function nested(depth: number, array: boolean): string {
  return array
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Cases every run sends first, whatever the seed: the hostile shapes most likely to hurt any handler
 * (deep nesting at the top and inside a property, NUL and lone surrogates in every string, numbers past
 * 2^63), as tenant A's admin on A's own ids, plus B's admin and another customer on A's ids.
 */
export function examplesFor(
  operation: Operation,
  context: FuzzContext,
  kindOf: (param: string) => string,
): FuzzCase[] {
  const pathWith = (tenant: 'a' | 'b') => {
    let path = operation.path;
    const labels: string[] = [];
    for (const param of operation.pathParams) {
      const kind = kindOf(param.name);
      const real = context.ids[tenant][kind]?.[0];
      path = path.replace(`{${param.name}}`, encodeURIComponent(real ?? randomUUID()));
      labels.push(`${param.name}: ${real ? `tenant ${tenant.toUpperCase()} ${kind}` : 'random uuid'}`);
    }
    return { path, labels };
  };
  const own = pathWith('a');
  const headers: Record<string, string> = {};
  for (const param of operation.headerParams) {
    const lower = param.name.toLowerCase();
    if (lower === 'idempotency-key') headers[param.name] = randomUUID();
    if (lower === 'x-device-key' && context.deviceKeys.a[0]) headers[param.name] = context.deviceKeys.a[0];
  }
  const base = { authPick: 0, path: own.path, pathLabels: own.labels, query: '', headers };
  if (operation.method === 'GET' || operation.method === 'DELETE') {
    return [
      { ...base, auth: 'admin-b' },
      { ...base, auth: 'customer-a2' },
      {
        ...base,
        auth: 'admin-a',
        query: `?limit=9223372036854775808&cursor=${encodeURIComponent("' OR 1=1 --")}`,
      },
    ];
  }
  const properties = Object.keys(operation.jsonBody?.properties ?? {});
  const everyProperty = (value: string) =>
    `{${(properties.length ? properties : ['name']).map((key) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
  const body = (label: string, text: string): GeneratedBody => ({
    label,
    contentType: 'application/json',
    text,
  });
  const cases: FuzzCase[] = [
    { ...base, auth: 'admin-a', body: body('array nested 2000 deep', nested(2000, true)) },
    { ...base, auth: 'admin-a', body: body('object nested 2000 deep', nested(2000, false)) },
    {
      ...base,
      auth: 'admin-a',
      body: body('every property nested 1000 deep', everyProperty(nested(1000, true))),
    },
    {
      ...base,
      auth: 'admin-a',
      body: body('NUL in every property', everyProperty(JSON.stringify('a\u0000b'))),
    },
    {
      ...base,
      auth: 'admin-a',
      body: body('lone surrogate in every property', everyProperty('"a\\ud800b"')),
    },
    { ...base, auth: 'admin-a', body: body('2^63 in every property', everyProperty('9223372036854775808')) },
    { ...base, auth: 'admin-b', body: body('empty object', '{}') },
    { ...base, auth: 'customer-a2', body: body('empty object', '{}') },
  ];
  return cases;
}
