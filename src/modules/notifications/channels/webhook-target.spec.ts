import { assertPublicUrl, isPrivateAddress } from './webhook-target';

describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888'])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses loopback, private and non-http URLs in production mode', async () => {
    await expect(assertPublicUrl('http://127.0.0.1:8080/hook', false)).rejects.toThrow(/private/);
    await expect(assertPublicUrl('http://[::1]/hook', false)).rejects.toThrow(/private/);
    await expect(assertPublicUrl('http://localhost/hook', false)).rejects.toThrow(/private/);
    await expect(assertPublicUrl('ftp://8.8.8.8/x', false)).rejects.toThrow(/http/);
    await expect(assertPublicUrl('not a url', false)).rejects.toThrow(/valid/);
    await expect(assertPublicUrl('https://user:pw@8.8.8.8/x', false)).rejects.toThrow(/credentials/);
    await expect(assertPublicUrl('https://8.8.8.8/hook', false)).resolves.toBeInstanceOf(URL);
  });

  it('allows loopback outside production (tests, local development)', async () => {
    await expect(assertPublicUrl('http://127.0.0.1:8080/hook', true)).resolves.toBeInstanceOf(URL);
  });
});
