import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../platform/auth/decorators';
import { PaymentCallbacks } from './payment-callbacks';

/**
 * The gateway's asynchronous results. Public (no JWT): the HMAC signature over the raw body is the
 * authentication, checked before anything is read.
 */
@ApiExcludeController()
@Controller('payments/webhooks')
export class PaymentWebhooksController {
  constructor(private readonly callbacks: PaymentCallbacks) {}

  @Post(':provider')
  @Public()
  @HttpCode(200)
  receive(@Param('provider') provider: string, @Req() request: RawBodyRequest<FastifyRequest>) {
    return this.callbacks.receive(provider, request.headers, request.rawBody);
  }
}
