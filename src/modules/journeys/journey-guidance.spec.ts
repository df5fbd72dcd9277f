import {
  DEFAULT_RESPONSE_TEMPLATES,
  ESCALATION_CRITERIA,
  guidanceFor,
  STAGE_GUIDANCE,
  stageLimits,
} from './journey-guidance';
import { TERMINAL_EVENT_TYPES } from './journey-rules';
import { JOURNEY_ERROR_TYPES, JOURNEY_FLOWS } from './journey.types';

describe('stage guidance', () => {
  it("covers seed 000's seven bank-account stages, in order, with its normal times", () => {
    expect(Object.keys(STAGE_GUIDANCE.bank_account_setup)).toEqual([
      'message_received',
      'validation_started',
      'validation_completed',
      'validation_failed',
      'bank_setup_started',
      'external_validation_completed',
      'account_created',
      'bank_account_setup_completed',
    ]);
    expect(guidanceFor('bank_account_setup', 'message_received').normalMaxMs).toBe(500);
    expect(guidanceFor('bank_account_setup', 'validation_started').normalMaxMs).toBe(100);
    expect(guidanceFor('bank_account_setup', 'bank_setup_started').normalMaxMs).toBe(200);
    expect(guidanceFor('bank_account_setup', 'external_validation_completed').normalMaxMs).toBe(100);
  });

  it('says what seed 000 Issue 1 step 2 says to check', () => {
    expect(guidanceFor('bank_account_setup', 'message_received').check).toMatch(/worker is processing/);
    expect(guidanceFor('bank_account_setup', 'validation_started').check).toMatch(/validation errors/);
    expect(guidanceFor('bank_account_setup', 'bank_setup_started').check).toMatch(
      /external bank validation service status/,
    );
  });

  it('points an external-service error at the external service, a success at the next step', () => {
    expect(guidanceFor('bank_account_setup', 'external_validation_completed', 'error').check).toMatch(
      /external bank validation service/,
    );
    expect(guidanceFor('bank_account_setup', 'external_validation_completed', 'success').check).toMatch(
      /account creation/,
    );
  });

  it('sends a payment stuck in processing to the gateway callback and reconciliation', () => {
    const guidance = guidanceFor('payment', 'payment_initiated');
    expect(guidance.check).toMatch(/callback/);
    expect(guidance.check).toMatch(/reconciliation/);
  });

  it('falls back per flow for a stage it does not know', () => {
    const guidance = guidanceFor('payment', 'payment_something_new');
    expect(guidance.stage).toBe('payment_something_new');
    expect(guidance.normalMaxMs).toBeGreaterThan(0);
    expect(guidance.check).toMatch(/reconciliation/);
  });

  it('gives every terminal event a guidance entry and every flow a fallback limit', () => {
    for (const flow of JOURNEY_FLOWS) {
      for (const eventType of TERMINAL_EVENT_TYPES[flow].filter((name) => !name.endsWith('_cancelled'))) {
        expect(STAGE_GUIDANCE[flow][eventType]).toBeDefined();
      }
      expect(stageLimits().filter((limit) => limit.flow === flow && limit.eventType === null)).toHaveLength(
        1,
      );
    }
  });
});

describe('response templates', () => {
  it("holds seed 000's three texts verbatim and one for timeouts", () => {
    expect(DEFAULT_RESPONSE_TEMPLATES.validation_error).toBe(
      'We found an issue with the bank account information you provided. Please verify your routing number and account number are correct and try again.',
    );
    expect(DEFAULT_RESPONSE_TEMPLATES.external_service_error).toBe(
      "We're experiencing temporary issues with our bank validation service. Your request has been queued and will be processed automatically once service is restored.",
    );
    expect(DEFAULT_RESPONSE_TEMPLATES.system_error).toBe(
      'We encountered a technical issue processing your bank account setup. Our technical team has been notified. Please try again in a few minutes.',
    );
    expect(Object.keys(DEFAULT_RESPONSE_TEMPLATES).sort()).toEqual([...JOURNEY_ERROR_TYPES].sort());
  });
});

describe('escalation criteria', () => {
  it("are seed 000's four, with their thresholds", () => {
    expect(ESCALATION_CRITERIA.map((c) => [c.id, c.measure, c.windowSeconds, c.threshold])).toEqual([
      ['high_error_rate', 'customer_error_share', 3600, 0.1],
      ['performance_degradation', 'average_processing_ms', 300, 1000],
      ['external_service_issues', 'external_service_error_share', 1800, 0.05],
      ['system_errors', 'system_error_count', 300, 0],
    ]);
  });
});
