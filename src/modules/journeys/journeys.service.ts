import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { JourneyEventInput } from './journey.types';

export type { JourneyEventInput } from './journey.types';

/**
 * Customer journeys (seed 000): the one place flows record their stages, and the one place support reads
 * them from. CONTRACT for other modules: `record(input, manager?)` writes the event inside the caller's
 * transaction when a manager is given (its own otherwise), and writes the matching CUSTOMER_EVENT /
 * CUSTOMER_ERROR / CUSTOMER_METRIC log lines. (Implementation in progress.)
 */
@Injectable()
export class JourneysService {
  // eslint-disable-next-line @typescript-eslint/require-await
  async record(input: JourneyEventInput, manager?: EntityManager): Promise<void> {
    void input;
    void manager;
    throw new Error('JourneysService.record is not implemented yet');
  }
}
