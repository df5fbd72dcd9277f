import { DomainException } from '../../platform/http/domain-exception';
import { TemplateRenderer } from './template-renderer';

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer();
  const data = {
    company_name: 'Acme',
    customer_name: 'Jane <b>',
    customer_number: 'CUST-000001',
    from_status: 'active',
    to_status: 'blocked',
    reason: 'fraud check',
  };

  it('renders every part of every channel of a type, escaping HTML only in HTML', () => {
    const email = renderer.render('customer.status_changed', 'email', data);
    expect(email.subject).toBe('Your Acme account is now blocked');
    expect(email.text).toContain('Hello Jane <b>,');
    expect(email.html).toContain('Hello Jane &lt;b&gt;,');
    expect(renderer.render('customer.status_changed', 'sms', data).text).toBe(
      'Acme: account CUST-000001 is now blocked (fraud check).',
    );
    expect(renderer.render('customer.status_changed', 'in_app', data).subject).toBe('Account blocked');
  });

  it('fails loudly on a missing variable', () => {
    const { reason: _reason, ...incomplete } = data;
    expect(() => renderer.render('customer.status_changed', 'email', incomplete)).toThrow(DomainException);
    expect(() => renderer.render('customer.status_changed', 'email', incomplete)).toThrow(/reason/);
  });

  it('knows which types and channels exist', () => {
    expect(renderer.hasType('customer.status_changed')).toBe(true);
    expect(renderer.hasType('../etc')).toBe(false);
    expect(renderer.hasType('nope')).toBe(false);
    expect(renderer.supports('maintenance.scheduled', 'sms')).toBe(true);
  });
});
