/** The one Link-header parser, with what servers really send. */
import { describe, expect, it } from 'vitest';
import { linkNumber, linkParam, linkTo, parseLinkHeader } from '../../src/http/link.js';

describe('parseLinkHeader', () => {
  it('reads ConnectWise navigable links, every rel, in order', () => {
    const header =
      '<https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=2>; rel="next", <https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=4>; rel="last"';
    expect(parseLinkHeader(header)).toEqual([
      { url: 'https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=2', rels: ['next'] },
      { url: 'https://h/v4_6_release/apis/3.0/company/companies?pageSize=50&page=4', rels: ['last'] },
    ]);
    expect(linkNumber(header, 'last', 'page')).toBe(4);
  });

  it('reads a forward-only next pageId, and treats an empty or absent header as no links', () => {
    expect(linkNumber('<https://h/x?pageSize=1000&pageId=2000>; rel="next"', 'next', 'pageId')).toBe(2000);
    expect(parseLinkHeader('')).toEqual([]);
    expect(parseLinkHeader(null)).toEqual([]);
    expect(linkNumber('<https://h/x?page=1>; rel="first", <https://h/x?page=3>; rel="last"', 'next', 'pageId')).toBe(
      undefined,
    );
  });

  it('tolerates unquoted and multiple rels, extra parameters, relative targets and odd casing', () => {
    const header = '</api/v1/customers?page=3>; title="x, y"; REL=next, </api/v1/customers?page=9>; rel="last end"';
    expect(linkTo(header, 'NEXT')).toBe('/api/v1/customers?page=3');
    expect(linkNumber(header, 'end', 'page')).toBe(9);
    expect(linkParam('<x>', 'page')).toBeUndefined();
    expect(linkParam('https://h/x?PageId=7', 'pageid')).toBe('7');
  });

  it('ignores values that are not plain numbers', () => {
    expect(linkNumber('<https://h/x?pageId=-1>; rel="next"', 'next', 'pageId')).toBeUndefined();
    expect(linkNumber('<https://h/x?pageId=1e9>; rel="next"', 'next', 'pageId')).toBeUndefined();
    expect(linkNumber('<https://h/x?pageId=99999999999999999999>; rel="next"', 'next', 'pageId')).toBeUndefined();
  });
});
