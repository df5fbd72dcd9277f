import { ConfirmationLinks } from './confirmation-links';

describe('confirmation links', () => {
  const links = new ConfirmationLinks('a-secret-that-is-long-enough-for-hs256-0123');
  const now = new Date('2026-11-23T09:00:00Z');

  it('round-trips the request id until the link expires', async () => {
    const token = await links.sign('req-1', new Date('2026-11-28T09:00:00Z'));
    expect(await links.verify(token, now)).toEqual({ requestId: 'req-1' });
    expect(await links.verify(token, new Date('2026-11-28T09:00:01Z'))).toEqual({ fault: 'expired' });
  });

  it('refuses a link signed with another key or altered', async () => {
    const other = await new ConfirmationLinks('another-secret-that-is-long-enough-0123456').sign(
      'req-1',
      new Date('2026-11-28T09:00:00Z'),
    );
    expect(await links.verify(other, now)).toEqual({ fault: 'invalid' });
    const token = await links.sign('req-1', new Date('2026-11-28T09:00:00Z'));
    expect(await links.verify(`${token.slice(0, -2)}xx`, now)).toEqual({ fault: 'invalid' });
    expect(await links.verify('not-a-token', now)).toEqual({ fault: 'invalid' });
  });
});
