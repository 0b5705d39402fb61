/** The normalized usage snapshot (SPEC section 2): also the file-source format and `usage --format json`. */

export interface UserGroupUsage {
  name: string;
  users: number;
  /** Canonical service names; a name cwsync does not know is kept as the API reported it. */
  services: string[];
  /**
   * Services the group may carry that the source could not show (SPEC §3 "Vendor shapes we
   * cannot see"): Mailprotector answering a group's services as one object shows one service,
   * so its add-ons are not in the answer. The plan warns naming them, and a binding that bills
   * one of them from usage is an error of that binding. Absent: the source showed every service.
   */
  servicesNotShown?: string[];
}

export interface CustomerUsage {
  id: number;
  name: string;
  userGroups: UserGroupUsage[];
}

export interface UsageSnapshot {
  formatVersion: 1;
  /** When the source was read (ISO 8601, UTC); a snapshot file may omit it. */
  capturedAt?: string;
  customers: CustomerUsage[];
}

export interface UsageReadOptions {
  /**
   * Only these customers need their user groups read (by id or name); the others are listed
   * by id and name only. Undefined reads every customer in full.
   */
  only?: ReadonlyArray<string | number>;
  /**
   * Something the caller should show but that does not stop the read (e.g. a user group with
   * users and no services). Without it, a source logs the warning.
   */
  onWarning?: (message: string) => void;
  /** Called as a long read advances: customers read in full so far, of how many, and requests made. */
  onProgress?: (progress: ReadProgress) => void;
}

export interface ReadProgress {
  done: number;
  total: number;
  requests: number;
}

/**
 * The services a usage source reports, by the names services.yaml uses: the source's own list,
 * its aliases, and which are deprecated. The core classifies and canonicalizes through this
 * and never knows whose list it is.
 */
export interface ServiceCatalogue {
  /** Whose names these are, for messages: "Mailprotector". */
  readonly vendor: string;
  readonly names: readonly string[];
  /** The canonical name for a name the source or a user wrote; undefined when unknown. */
  canonical(name: string): string | undefined;
  deprecated(name: string): boolean;
}

/** A customer of the usage source as `cwsync import` matches it to a company. */
export interface SourceCustomer {
  id: number;
  name: string;
  /** Its mail domains (aliases excluded), when they could be read. */
  domains: string[];
  /** Users across its user groups, when usage was read (`usageFor`). */
  users?: number;
}

export interface SourceCustomers {
  customers: SourceCustomer[];
  /** Why domains are missing, when they could not be read. */
  domainsNote?: string;
}

export interface CustomersReadOptions {
  /** Customers (ids) whose user groups are read too, so their `users` is known. */
  usageFor?: number[];
  onProgress?: (p: ReadProgress) => void;
  /** Where a read that only adds evidence (domains) says it failed. */
  onWarning?: (message: string, reason: string) => void;
}

export interface UsageSource {
  /** A short description for messages, e.g. "Mailprotector reseller 343". */
  readonly label: string;
  read(options?: UsageReadOptions): Promise<UsageSnapshot>;
  /**
   * Every customer with its mail domains, for `cwsync import`. A source without it is listed
   * through `read` (import/read.ts), without domains.
   */
  customers?(options: CustomersReadOptions): Promise<SourceCustomers>;
}

/** Every customer of a snapshot as import lists it; users counted for those in `usageFor`. */
export function customersOf(snapshot: UsageSnapshot, usageFor: readonly number[] = []): SourceCustomer[] {
  const wanted = new Set(usageFor);
  return snapshot.customers.map((c) => ({
    id: c.id,
    name: c.name,
    domains: [],
    ...(wanted.has(c.id) ? { users: c.userGroups.reduce((n, g) => n + g.users, 0) } : {}),
  }));
}

// What localeCompare() compares with, made once: a comparison then allocates nothing.
const collator = new Intl.Collator();
const byCustomer = (a: CustomerUsage, b: CustomerUsage) => collator.compare(a.name, b.name) || a.id - b.id;
const byGroup = (a: UserGroupUsage, b: UserGroupUsage) => collator.compare(a.name, b.name) || a.users - b.users;

/** Snapshots are compared and printed in one order, whatever order the source gave: a sorted copy. */
export function sortSnapshot(snapshot: UsageSnapshot): UsageSnapshot {
  const customers = snapshot.customers.map((c) => ({
    ...c,
    userGroups: c.userGroups.map((g) => ({
      ...g,
      services: [...g.services],
      ...(g.servicesNotShown ? { servicesNotShown: [...g.servicesNotShown] } : {}),
    })),
  }));
  return sortSnapshotInPlace({
    formatVersion: 1,
    ...(snapshot.capturedAt ? { capturedAt: snapshot.capturedAt } : {}),
    customers,
  });
}

/**
 * sortSnapshot's order, made in place: for a snapshot just built that nothing else holds (the
 * usage read's, at 20,000 customers copied whole at the end of the read, the run's peak). A list
 * of services already in order is left as it is: a source may share one list among its groups.
 */
export function sortSnapshotInPlace(snapshot: UsageSnapshot): UsageSnapshot {
  snapshot.customers.sort(byCustomer);
  for (const c of snapshot.customers) {
    c.userGroups.sort(byGroup);
    for (const g of c.userGroups) {
      if (!inOrder(g.services)) g.services.sort();
      g.servicesNotShown?.sort();
    }
  }
  return snapshot;
}

/** Whether a list is in sort()'s order already. */
const inOrder = (list: readonly string[]) => list.every((s, i) => i === 0 || list[i - 1]! <= s);
