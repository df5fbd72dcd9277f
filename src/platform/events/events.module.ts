import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventBus } from './event-bus';
import { OutboxPruner } from './outbox-pruner';
import { OutboxRelay } from './outbox-relay';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRepository } from './outbox.repository';
import { SubscriberRegistry } from './subscriber-registry';
import { SubscriberWorkers } from './subscriber-workers';

@Global()
@Module({
  imports: [DiscoveryModule, EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true })],
  providers: [
    EventBus,
    OutboxRepository,
    OutboxMetrics,
    OutboxRelay,
    OutboxPruner,
    SubscriberRegistry,
    SubscriberWorkers,
  ],
  exports: [EventBus, OutboxRepository, OutboxRelay],
})
export class EventsModule {}
