import { describe, expect, it } from 'vitest';
import { addressKey, createAdmission, type AdmissionLimits } from '../../../../src/roles/gate/admission.ts';

const LIMITS: AdmissionLimits = {
  maxConnections: 10,
  maxConnectionsPerIp: 3,
  connectsPerIpPerSec: 2,
  connectBurstPerIp: 4,
  allowedOrigins: [],
  maxTrackedIps: 100,
};

const from = (remoteAddress: string, origin?: string) => ({ remoteAddress, origin });

describe('gate admission', () => {
  it('caps open connections per address and lets others in', () => {
    const a = createAdmission(LIMITS);
    for (let i = 0; i < 3; i++) {
      expect(a.admit(from('10.0.0.1'), 0)).toBeNull();
      a.opened('10.0.0.1');
    }
    expect(a.admit(from('10.0.0.1'), 0)).toMatchObject({ status: 429, limit: 'connections-per-ip' });
    expect(a.admit(from('10.0.0.2'), 0)).toBeNull();
    a.closed('10.0.0.1');
    expect(a.admit(from('10.0.0.1'), 0)).toBeNull();
  });

  it('limits the connect rate per address with a token bucket', () => {
    const a = createAdmission({ ...LIMITS, maxConnectionsPerIp: 100 });
    for (let i = 0; i < 4; i++) expect(a.admit(from('10.0.0.1'), 0)).toBeNull();
    expect(a.admit(from('10.0.0.1'), 0)).toMatchObject({ status: 429, limit: 'connect-rate' });
    expect(a.admit(from('10.0.0.1'), 499)).toMatchObject({ limit: 'connect-rate' });
    expect(a.admit(from('10.0.0.1'), 600)).toBeNull(); // 2 per second: one token back after 500 ms
  });

  it('caps the gate as a whole with 503', () => {
    const a = createAdmission({ ...LIMITS, maxConnections: 2 });
    a.opened('10.0.0.1');
    a.opened('10.0.0.2');
    expect(a.admit(from('10.0.0.3'), 0)).toMatchObject({ status: 503, limit: 'connections' });
  });

  it('checks Origin against the allow-list; a request without Origin passes', () => {
    const a = createAdmission({ ...LIMITS, allowedOrigins: ['https://play.example.com'] });
    expect(a.admit(from('10.0.0.1', 'https://play.example.com/'), 0)).toBeNull();
    expect(a.admit(from('10.0.0.1', 'HTTPS://PLAY.EXAMPLE.COM'), 0)).toBeNull();
    expect(a.admit(from('10.0.0.1', 'https://evil.example'), 0)).toMatchObject({ status: 403, limit: 'origin' });
    expect(a.admit(from('10.0.0.1'), 0)).toBeNull();
    expect(createAdmission(LIMITS).admit(from('10.0.0.1', 'https://anything'), 0)).toBeNull();
  });

  it('counts IPv4-mapped addresses as IPv4 and IPv6 by /64', () => {
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('0:0:0:0:0:ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:0db8:0000:0001:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    const a = createAdmission(LIMITS);
    for (const host of ['2001:db8::1', '2001:db8::2', '2001:db8::3']) {
      expect(a.admit(from(host), 0)).toBeNull();
      a.opened(host);
    }
    expect(a.admit(from('2001:db8::ffff'), 0)).toMatchObject({ limit: 'connections-per-ip' });
  });

  it('forgets idle addresses, and refuses new ones while the table is full of active ones', () => {
    const a = createAdmission({ ...LIMITS, maxTrackedIps: 2 });
    a.admit(from('10.0.0.1'), 0);
    a.opened('10.0.0.1');
    a.admit(from('10.0.0.2'), 0);
    a.opened('10.0.0.2');
    expect(a.admit(from('10.0.0.3'), 0)).toMatchObject({ status: 503, limit: 'tracked-ips' });
    a.closed('10.0.0.2');
    expect(a.admit(from('10.0.0.3'), 10_000)).toBeNull(); // 10.0.0.2 is idle with a full bucket: swept
    expect(a.trackedIps).toBe(2);
  });
});
