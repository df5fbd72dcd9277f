/**
 * OpenTelemetry, started before anything else is loaded so http, fastify, pg and ioredis are patched.
 * Spans are always made (their trace_id goes into every log line); they are exported over OTLP/HTTP
 * only when OTEL_EXPORTER_OTLP_ENDPOINT is set. This file reads process.env itself because it must
 * run before the config module exists.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';

process.env.OTEL_LOGS_EXPORTER ??= 'none';
process.env.OTEL_METRICS_EXPORTER ??= 'none';

const exporting = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);

const disabled = process.env.OTEL_SDK_DISABLED === 'true';

// Instrumentations patch modules as soon as they are constructed, so a disabled SDK gets none.
// Fastify gets its request span with the route template, but no span per lifecycle hook or handler:
// those cost more than a third of a request's CPU and tell little the request span does not.
const instrumentations = disabled
  ? []
  : [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => req.url?.startsWith('/health') ?? false,
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: (route) => route.url.startsWith('/health'),
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ];

export const otelSdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'custops',
  spanProcessors: [
    exporting ? new tracing.BatchSpanProcessor(new OTLPTraceExporter()) : new tracing.NoopSpanProcessor(),
  ],
  instrumentations,
});

otelSdk.start();
