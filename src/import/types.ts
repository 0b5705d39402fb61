/** What import works on: plain records read from the two systems, and what it proposes. */

export interface ImportCustomer {
  id: number;
  name: string;
  /** Its mail domains (aliases excluded), when they could be read. */
  domains: string[];
  /** Users across its user groups, when usage was read. */
  users?: number;
}

export interface ImportCompany {
  id: number;
  identifier: string;
  name: string;
}

export interface ImportAgreement {
  id: number;
  name: string;
  /** The agreement type's name, when ConnectWise sent it. */
  type?: string;
  companyId: number;
  /** agreementStatus; absent counts as active. */
  status?: string;
}

/** A binding already in the config, as far as import needs to know it. */
export interface ExistingBinding {
  customer: string | number;
  company: string;
  where: string;
}

export type Evidence = { kind: 'domain'; domain: string } | { kind: 'identifier' };

export interface Candidate {
  company: ImportCompany;
  /** 0..1; 1 = the same name once normalised. */
  score: number;
  nameScore: number;
  evidence: Evidence[];
}

export type Verdict = 'accepted' | 'review' | 'unmatched';

export interface CompanyMatch {
  verdict: Verdict;
  /** The proposed company, or for an unmatched customer the closest one, if any came near. */
  best?: Candidate;
  /** Other companies worth naming next to it. */
  rivals: Candidate[];
  /** How it matched, in words. */
  how: string;
  /** Why it is not accepted, in words. */
  why?: string;
}

export type AgreementChoice =
  | { kind: 'chosen'; agreement: ImportAgreement; how: string; byId: boolean }
  | { kind: 'open'; candidates: ImportAgreement[]; why: string };

export interface Proposal {
  customer: ImportCustomer;
  /** How the binding names the customer: its name, or its id when the name is not unique. */
  customerRef: string | number;
  match: CompanyMatch;
  /** Set when a company was proposed. */
  agreement?: AgreementChoice;
  /** Final: accepted bindings are written active, review ones commented out. */
  verdict: Verdict;
  /** Why a binding that matched is nonetheless left for review (company shared, agreement open). */
  notes: string[];
}
