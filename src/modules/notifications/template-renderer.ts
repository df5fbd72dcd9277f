import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { DomainException } from '../../platform/http/domain-exception';
import type { NotificationChannelName, RenderedMessage } from './notification.types';

type Part = 'subject' | 'text' | 'html';
const PARTS: Record<Exclude<NotificationChannelName, 'webhook'>, Part[]> = {
  email: ['subject', 'text', 'html'],
  sms: ['text'],
  in_app: ['subject', 'text'],
};

/** templates/notifications at the repository (or image) root, found from here in src/ and dist/ alike. */
function findTemplateRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'templates', 'notifications');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('templates/notifications not found');
    dir = parent;
  }
}

/**
 * Renders `templates/notifications/<type>/<channel>.<part>.hbs` with Handlebars in strict mode, so a
 * variable missing from the data is an error at request time.
 */
@Injectable()
export class TemplateRenderer {
  private readonly root = findTemplateRoot();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate | null>();

  hasType(type: string): boolean {
    return /^[a-z0-9_.]+$/.test(type) && existsSync(join(this.root, type));
  }

  supports(type: string, channel: NotificationChannelName): boolean {
    return channel === 'webhook' || this.template(type, channel, 'text') !== null;
  }

  render(type: string, channel: NotificationChannelName, data: Record<string, unknown>): RenderedMessage {
    if (channel === 'webhook') return { text: JSON.stringify(data) };
    const message: RenderedMessage = { text: '' };
    for (const part of PARTS[channel]) {
      const template = this.template(type, channel, part);
      if (!template) continue;
      try {
        message[part] = template(data).trim();
      } catch (error) {
        throw new DomainException(
          'unprocessable',
          'notification-template-data',
          `The ${type} ${channel} template cannot be rendered: ${(error as Error).message}`,
          [{ field: 'data', message: (error as Error).message }],
        );
      }
    }
    return message;
  }

  private template(
    type: string,
    channel: NotificationChannelName,
    part: Part,
  ): Handlebars.TemplateDelegate | null {
    const key = `${type}/${channel}.${part}`;
    if (!this.compiled.has(key)) {
      const file = join(this.root, type, `${channel}.${part}.hbs`);
      this.compiled.set(
        key,
        existsSync(file)
          ? Handlebars.compile(readFileSync(file, 'utf8'), { strict: true, noEscape: part !== 'html' })
          : null,
      );
    }
    return this.compiled.get(key) ?? null;
  }
}
