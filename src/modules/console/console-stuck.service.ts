import { Injectable } from '@nestjs/common';
import type { Principal } from '../../platform/auth/principal';
import { MAX_LIMIT } from '../../platform/http/pagination';
import { CustomersService } from '../customers/customers.service';
import { JourneysService } from '../journeys/journeys.service';

export interface StuckGroup {
  flow: string;
  stage: string;
  stage_name: string;
  normal_max_ms: number;
  check: string[];
  customers: Array<{
    customer_id: string;
    customer_number: string;
    name: string;
    since: string;
    stuck_for_ms: number;
    error_type: string | null;
  }>;
}

/**
 * "Stuck now": the runs JourneysService.stuck finds (not ended, at their last stage longer than seed 000's
 * normal time for it; the longest stuck first, at most 200), grouped by flow and stage with what to
 * check there, each customer with its number and name (one query for all of them). Groups come in the
 * order of their longest-stuck customer; runs of deleted customers are left out.
 */
@Injectable()
export class ConsoleStuckService {
  constructor(
    private readonly journeys: JourneysService,
    private readonly customers: CustomersService,
  ) {}

  async stuck(principal: Principal): Promise<{ data: StuckGroup[] }> {
    const { data: runs } = await this.journeys.stuck(principal, { limit: MAX_LIMIT });
    const cards = new Map(
      (
        await this.customers.supportCards(principal.companyId, [...new Set(runs.map((r) => r.customer_id))])
      ).map((card) => [card.id, card]),
    );
    const groups = new Map<string, StuckGroup>();
    for (const run of runs) {
      const card = cards.get(run.customer_id);
      if (!card) continue;
      const key = `${run.flow}\u0000${run.stage}`;
      let group = groups.get(key);
      if (!group) {
        group = {
          flow: run.flow,
          stage: run.stage,
          stage_name: run.stage_name,
          normal_max_ms: run.normal_max_ms,
          check: [],
          customers: [],
        };
        groups.set(key, group);
      }
      // A stage's check differs when its last event was an error that leaves the run open.
      if (!group.check.includes(run.check)) group.check.push(run.check);
      group.customers.push({
        customer_id: card.id,
        customer_number: card.customer_number,
        name: card.name,
        since: run.since,
        stuck_for_ms: run.stuck_for_ms,
        error_type: run.error_type,
      });
    }
    return { data: [...groups.values()] };
  }
}
