import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module';
import { JourneysModule } from '../journeys/journeys.module';
import { MobileMoneyGateway } from './gateway/mobile-money.gateway';
import { PAYMENT_GATEWAY } from './gateway/payment-gateway';
import { PaymentCallbacks } from './payment-callbacks';
import { PaymentInitiator } from './payment-initiator';
import { PaymentReconciler } from './payment-reconciler';
import { PaymentResults } from './payment-results';
import { PaymentWebhooksController } from './payment-webhooks.controller';
import { PaymentsController } from './payments.controller';
import { PaymentsMetrics } from './payments.metrics';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';

/** Payment intents, the gateway adapter, callbacks and reconciliation (issue 9; docs/payments.md). */
@Module({
  imports: [InvoicesModule, JourneysModule],
  controllers: [PaymentsController, PaymentWebhooksController],
  providers: [
    PaymentsService,
    PaymentsRepository,
    PaymentResults,
    PaymentInitiator,
    PaymentCallbacks,
    PaymentReconciler,
    PaymentsMetrics,
    MobileMoneyGateway,
    { provide: PAYMENT_GATEWAY, useExisting: MobileMoneyGateway },
  ],
  exports: [PaymentsService],
})
export class PaymentsModule {}
