/** The hint a ConnectWise failure gets, by status: what to check, in the config's words. */
import { describe, expect, it } from 'vitest';
import { connectWiseHint } from '../../src/connectwise/client-setup.js';

const onPrem = connectWiseHint({ url: 'https://cw.example.com/v4_6_release/apis/3.0', company: 'acme' });
const cloud = connectWiseHint({ site: 'na.myconnectwise.net', company: 'acme' });
const facts = (status: number, extra: { method?: string; path?: string; code?: string; message?: string } = {}) => ({
  status,
  method: 'GET',
  path: '/company/companies',
  ...extra,
});

describe('connectWiseHint', () => {
  it.each([
    [0, 'check that https://cw.example.com/v4_6_release/apis/3.0 is reachable'],
    [401, 'check connectwise.company ("acme"'],
    [404, 'check connectwise.url: it should end in /apis/3.0'],
    [429, 'lower connectwise.concurrency'],
    [500, 'settled by reading it back, never sent twice'],
    [503, 'settled by reading it back, never sent twice'],
  ])('status %i names what to check', (status, words) => {
    expect(onPrem(facts(status))).toContain(words);
  });

  it('a 404 on cloud can be a stale codebase; unreachable names the site', () => {
    expect(cloud(facts(404))).toContain('stale codebase');
    expect(cloud(facts(0))).toContain('check that na.myconnectwise.net is reachable');
  });

  it('a 403 names the permission the call needs, or the role when the call is not known', () => {
    expect(onPrem(facts(403, { method: 'POST', path: '/finance/agreements/7/additions' }))).toMatch(
      /^the API member's security role needs .+ \(to .+\)$/,
    );
    expect(onPrem(facts(403, { path: '/nowhere/known' }))).toBe("check the API member's security role");
  });

  it('a 400 gets a hint only when it is about the clientId', () => {
    expect(onPrem(facts(400, { code: 'InvalidClientId' }))).toContain('connectwise.clientId');
    expect(onPrem(facts(400, { message: 'pageSize object is invalid' }))).toBeUndefined();
    expect(onPrem(facts(409))).toBeUndefined();
  });
});
