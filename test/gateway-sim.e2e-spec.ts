import {
  GATEWAY_SIGNATURE_HEADER,
  GATEWAY_TIMESTAMP_HEADER,
  verifyGatewaySignature,
} from '../src/platform/http/hmac-signature';
import { GatewaySimulator } from '../src/gateway-sim/simulator';
import { GatewaySimClient, startTestGatewaySim, TEST_GATEWAY_SECRET } from './support/gateway-sim';
import { HttpStub } from './support/peers';
import { waitFor, waitUntilQuiet } from './support/wait';

/** The payment gateway simulator over real loopback HTTP, with a real receiver for its callbacks. */
describe('gateway simulator', () => {
  const CALLBACK_DELAY_MS = 300;
  const OK_PHONE = '+254700000000';
  const CANCEL_PHONE = '+254700000001';
  let sim: GatewaySimulator & { http: GatewaySimClient };
  let receiver: HttpStub;

  beforeAll(async () => {
    receiver = await new HttpStub().start();
    sim = await startTestGatewaySim({
      callbackDelayMs: CALLBACK_DELAY_MS,
      control: { result_code_for_phone: { [CANCEL_PHONE]: 1032 } },
    });
  });

  afterAll(async () => {
    await sim?.close();
    await receiver?.stop();
  });

  beforeEach(async () => {
    await sim.http.reset();
    receiver.requests.length = 0;
    receiver.status = 200;
  });

  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  const initiate = async (phone: string, reference = 'inv-1001') => {
    const response = await post('/stk/initiate', {
      reference,
      phone,
      amount_minor: 150_000,
      currency: 'KES',
      callback_url: receiver.url('/v1/payments/webhooks/sim'),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { checkout_request_id: string; status: string };
  };

  const getStatus = async (id: string) => {
    const response = await fetch(`${sim.url}/stk/status/${id}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('accepts an STK push at once, then sends a signed callback after the delay with the phone’s result', async () => {
    const started = Date.now();
    const accepted = await initiate(OK_PHONE, 'inv-ok');
    const declined = await initiate(CANCEL_PHONE, 'inv-cancel');
    expect(accepted).toEqual({ checkout_request_id: expect.stringMatching(/^ws_CO_/), status: 'accepted' });
    expect(declined.checkout_request_id).not.toBe(accepted.checkout_request_id);
    expect((await getStatus(accepted.checkout_request_id)).body).toMatchObject({ status: 'pending' });

    const callbacks = await waitFor(() => receiver.requests.length === 2 && receiver.requests, {
      what: 'two callbacks',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(CALLBACK_DELAY_MS);

    for (const callback of callbacks) {
      expect(callback.path).toBe('/v1/payments/webhooks/sim');
      const check = verifyGatewaySignature({
        secret: TEST_GATEWAY_SECRET,
        signature: callback.headers[GATEWAY_SIGNATURE_HEADER],
        timestamp: callback.headers[GATEWAY_TIMESTAMP_HEADER],
        body: callback.body,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      expect(check).toEqual({ ok: true });
      // A different secret must not verify: the signature really depends on it.
      expect(
        verifyGatewaySignature({
          secret: 'not-the-secret',
          signature: callback.headers[GATEWAY_SIGNATURE_HEADER],
          timestamp: callback.headers[GATEWAY_TIMESTAMP_HEADER],
          body: callback.body,
          nowSeconds: Math.floor(Date.now() / 1000),
        }),
      ).toEqual({ ok: false, reason: 'mismatch' });
    }
    const byReference = new Map(
      callbacks.map((callback) => {
        const body = JSON.parse(callback.body) as { reference: string };
        return [body.reference, body];
      }),
    );
    expect(byReference.get('inv-ok')).toEqual({
      checkout_request_id: accepted.checkout_request_id,
      reference: 'inv-ok',
      result_code: 0,
      result_desc: expect.any(String),
      provider_reference: expect.stringMatching(/^SIM/),
      amount_minor: 150_000,
      currency: 'KES',
    });
    expect(byReference.get('inv-cancel')).toEqual({
      checkout_request_id: declined.checkout_request_id,
      reference: 'inv-cancel',
      result_code: 1032,
      result_desc: 'Request cancelled by user.',
      amount_minor: 150_000,
      currency: 'KES',
    });
    expect((await getStatus(declined.checkout_request_id)).body).toMatchObject({
      status: 'completed',
      result_code: 1032,
    });
  });

  it("sends the same callback twice with callback: 'duplicate'", async () => {
    await sim.http.control({ callback: 'duplicate' });
    await initiate(OK_PHONE);
    const count = await waitUntilQuiet(async () => Promise.resolve(receiver.requests.length), 500);
    expect(count).toBe(2);
    const [first, second] = receiver.requests;
    // A byte-for-byte replay: same body, same timestamp, same signature.
    expect(second.body).toBe(first.body);
    expect(second.headers[GATEWAY_SIGNATURE_HEADER]).toBe(first.headers[GATEWAY_SIGNATURE_HEADER]);
    expect(second.headers[GATEWAY_TIMESTAMP_HEADER]).toBe(first.headers[GATEWAY_TIMESTAMP_HEADER]);
  });

  it("loses the callback with callback: 'drop', while /stk/status still answers the result", async () => {
    await sim.http.control({ callback: 'drop', result_code_for_phone: { [OK_PHONE]: 1 } });
    const { checkout_request_id } = await initiate(OK_PHONE);
    const status = await waitFor(
      async () => {
        const answer = await getStatus(checkout_request_id);
        return answer.body.status === 'completed' && answer;
      },
      { what: 'the transaction to complete' },
    );
    expect(status).toEqual({
      status: 200,
      body: expect.objectContaining({ checkout_request_id, result_code: 1, result_desc: expect.any(String) }),
    });
    expect(sim.callbacks()).toEqual([
      expect.objectContaining({ checkout_request_id, dropped: true, attempt: 0 }),
    ]);
    expect(receiver.requests).toEqual([]);
    expect((await getStatus('ws_CO_unknown')).status).toBe(404);
  });

  it('applies the configured latency to gateway answers, not to its control endpoints', async () => {
    await sim.http.control({ latency_ms: 250 });
    let started = Date.now();
    const response = await post('/bank/validate', {
      routing_number: '021000021',
      account_number_last4: '6789',
      account_type: 'checking',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      validation_score: expect.any(Number),
      valid: true,
      checks: { routing_checksum: true },
    });
    started = Date.now();
    await sim.http.requests();
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('scores bank accounts deterministically: ABA checksum, or the score set for a routing number', async () => {
    const validate = async (routing: string) =>
      (
        await post('/bank/validate', {
          routing_number: routing,
          account_number_last4: '1234',
          account_type: 'savings',
        })
      ).json() as Promise<{ valid: boolean; validation_score: number }>;
    expect(await validate('021000022')).toMatchObject({ valid: false });
    await sim.http.control({ bank_score_for_routing: { '021000021': 0.3 } });
    expect(await validate('021000021')).toEqual({
      validation_score: 0.3,
      valid: false,
      checks: { routing_checksum: true },
    });
    const bad = await post('/bank/validate', { routing_number: '12', account_type: 'gold' });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: { field: string }[] }).errors.map((error) => error.field),
    ).toEqual(['routing_number', 'account_number_last4', 'account_type']);
  });

  it('answers fail_status on every gateway request, or on a seeded share of them with fail_rate', async () => {
    await sim.http.control({ fail_status: 500 });
    const failed = await post('/bank/validate', {
      routing_number: '021000021',
      account_number_last4: '6789',
      account_type: 'checking',
    });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'simulated_failure', status: 500 });

    const run = async () => {
      await sim.http.reset();
      await sim.http.control({ fail_rate: 0.5, fail_status: 503, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await fetch(`${sim.url}/stk/status/none`)).status);
      return statuses;
    };
    const first = await run();
    expect(new Set(first)).toEqual(new Set([404, 503]));
    expect(await run()).toEqual(first);
  });

  it('limits faults to fault_paths', async () => {
    await sim.http.control({ fail_status: 503, fault_paths: ['/bank/'] });
    expect(
      (
        await post('/bank/validate', {
          routing_number: '021000021',
          account_number_last4: '1',
          account_type: 'x',
        })
      ).status,
    ).toBe(503);
    await initiate(OK_PHONE);
  });

  it('leaves a request unanswered with hang, until the client gives up', async () => {
    await sim.http.control({ hang: true });
    const started = Date.now();
    await expect(post('/stk/initiate', { reference: 'r' }, AbortSignal.timeout(300))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const received = await sim.http.requests();
    expect(received).toEqual([expect.objectContaining({ path: '/stk/initiate', outcome: 'hung' })]);
    // The control endpoints stay responsive, and turning hang off restores service.
    await sim.http.control({ hang: false });
    await initiate(OK_PHONE);
  });

  it('resets connections with refuse', async () => {
    await sim.http.control({ refuse: true });
    const error = await post('/stk/initiate', { reference: 'r' }).then(
      () => undefined,
      (reason: unknown) => reason as Error & { cause?: { code?: string } },
    );
    // fetch's TypeError comes from another realm under jest, so compare by name.
    expect(error).toMatchObject({ name: 'TypeError' });
    expect(error?.cause?.code).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect(await sim.http.requests()).toEqual([expect.objectContaining({ outcome: 'refused' })]);
    await sim.http.control({ refuse: false });
    await initiate(OK_PHONE);
  });

  it('lists what it received at /__requests, validates input and rejects bad control', async () => {
    await initiate(OK_PHONE, 'inv-listed');
    const invalid = await post('/stk/initiate', {
      reference: '',
      phone: 'x',
      amount_minor: -1,
      currency: 'kes',
    });
    expect(invalid.status).toBe(400);
    expect(await sim.http.requests()).toEqual([
      expect.objectContaining({
        seq: 1,
        method: 'POST',
        path: '/stk/initiate',
        outcome: 'answered',
        status: 200,
        body: expect.objectContaining({ reference: 'inv-listed', phone: OK_PHONE }),
      }),
      expect.objectContaining({ seq: 2, status: 400 }),
    ]);
    const badControl = await post('/__control', { callback: 'sometimes', surprise: true });
    expect(badControl.status).toBe(400);
    expect(((await badControl.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(
      ['callback', 'surprise'],
    );
    await sim.http.reset();
    expect(await sim.http.requests()).toEqual([]);
  });
});
