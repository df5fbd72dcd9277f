import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, AppModuleOptions } from './app.module';
import { serveConsole } from './modules/console/console-static';
import { HttpMetrics } from './platform/metrics/http.metrics';
import { CORRELATION_ID, correlationIdFrom, RawRequestContext } from './platform/http/request-context';
import { requestScope } from './platform/http/request-scope';

/** Builds the application (HTTP and/or workers by APP_ROLE) without listening: main.ts and tests share it. */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (raw: IncomingMessage) => {
      const id = correlationIdFrom(raw.headers['x-request-id'], randomUUID);
      (raw as RawRequestContext)[CORRELATION_ID] = id;
      (raw as { id?: string }).id = id;
      return id;
    },
    // A request that reached the server before it closed is served (its response says Connection: close),
    // not answered 503: the listener is closed first, so new connections are refused and the drain ends.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
    // Keeps each JSON body's bytes as `rawBody` (Nest parses JSON from a buffer anyway): payment callbacks
    // verify their HMAC signature over the exact bytes received.
    rawBody: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    requestScope.run({ correlationId: request.id }, done);
  });
  app.get(HttpMetrics).register(fastify);
  await app.register(helmet, { contentSecurityPolicy: false });
  // Ticket attachments (one file per request, streamed): busboy stops one byte past the limit, so the
  // upload's own counting sees the excess and answers 413 with nothing kept.
  await app.register(multipart, {
    throwFileSizeLimit: false,
    limits: {
      fileSize: config.ATTACHMENT_MAX_BYTES + 1,
      files: 1,
      fields: 10,
      fieldSize: 1024,
      parts: 11,
      headerPairs: 50,
    },
  });

  // The support console's page (dist/console) at /console, outside /v1 and the auth guard.
  await serveConsole(app, config);

  app.setGlobalPrefix('v1', {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
    ],
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('custops')
      .setDescription(
        'Customer-operations API. Errors are RFC 9457 problem details (application/problem+json).',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
