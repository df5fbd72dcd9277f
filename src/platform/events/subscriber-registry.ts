import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { QueueName } from '../queue/queue-names';
import type { DomainEvent, DomainEventType } from './domain-event';
import { DOMAIN_EVENT_SUBSCRIBER, SubscriberMetadata } from './subscriptions';

/** Which attempt of a durable delivery this is: a handler may record a final failure itself. */
export interface DeliveryAttempt {
  attempt: number;
  maxAttempts: number;
  /**
   * BullMQ took this job from a worker that stopped renewing its lock (killed mid-job, as a rule) and
   * handed it to this run: whatever that run had claimed it will never finish, so it may be taken over.
   */
  stalled?: boolean;
}

export interface DurableSubscriber {
  name: string;
  queue: QueueName;
  types: DomainEventType[];
  handle: (event: DomainEvent, attempt: DeliveryAttempt) => Promise<unknown>;
}

/** Finds every @OnDomainEvent method at boot and answers who must receive an event type. */
@Injectable()
export class SubscriberRegistry implements OnModuleInit {
  private readonly byName = new Map<string, DurableSubscriber>();
  private readonly byType = new Map<string, DurableSubscriber[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName] as DurableSubscriber['handle'];
        const meta = this.reflector.get<SubscriberMetadata | undefined>(DOMAIN_EVENT_SUBSCRIBER, method);
        if (meta) this.add({ ...meta, handle: method.bind(instance) });
      }
    }
  }

  add(subscriber: DurableSubscriber): void {
    if (this.byName.has(subscriber.name)) {
      throw new Error(`Two durable subscribers are named ${subscriber.name}`);
    }
    this.byName.set(subscriber.name, subscriber);
    for (const type of subscriber.types) {
      this.byType.set(type, [...(this.byType.get(type) ?? []), subscriber]);
    }
  }

  for(type: string): DurableSubscriber[] {
    return this.byType.get(type) ?? [];
  }

  named(name: string): DurableSubscriber | undefined {
    return this.byName.get(name);
  }

  queues(): QueueName[] {
    return [...new Set([...this.byName.values()].map((subscriber) => subscriber.queue))];
  }
}
