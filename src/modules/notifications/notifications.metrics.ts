import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '../../platform/metrics/metrics-registry';
import { QUEUES } from '../../platform/queue/queue-names';
import { countJobs } from '../../platform/queue/queue.metrics';
import { QueueRegistry } from '../../platform/queue/queue-registry';

/** `notifications_sent_total{channel,type,status}`, delivery duration per channel, queue depth. */
@Injectable()
export class NotificationsMetrics {
  private readonly sent: Counter<'channel' | 'type' | 'status'>;
  private readonly duration: Histogram<'channel'>;

  constructor(registry: MetricsRegistry, queues: QueueRegistry) {
    this.sent = new Counter({
      name: 'notifications_sent_total',
      help: 'Notification deliveries by channel, type and outcome (sent, failed, suppressed)',
      labelNames: ['channel', 'type', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'notification_delivery_duration_seconds',
      help: 'Time a channel took to hand a delivery over (SMTP, SMS provider, webhook, inbox)',
      labelNames: ['channel'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    new Gauge({
      name: 'notification_queue_depth',
      help: 'Notification deliveries waiting to be sent (waiting + delayed jobs of the notifications queue)',
      registers: [registry],
      async collect() {
        const counts = await countJobs(
          queues.queue(QUEUES.notifications),
          'waiting',
          'delayed',
          'prioritized',
        );
        if (counts) this.set((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0));
      },
    });
  }

  outcome(channel: string, type: string, status: 'sent' | 'failed' | 'suppressed'): void {
    this.sent.inc({ channel, type, status });
  }

  timer(channel: string): () => void {
    const end = this.duration.startTimer({ channel });
    return () => {
      end();
    };
  }
}
