/**
 * Issue 18's variant matrix, Mailprotector side: every answer the vendor evidence allows,
 * switched on in the fake Mailprotector over real HTTP, through the real pipeline (`cwsync plan`
 * and `cwsync apply` run in process against both fakes and a real git repository). Each row
 * asserts the exit code, the user groups and users read against those present, the writes
 * ConnectWise received, and that the outcome is right (the same plan as a well-behaved server,
 * applied) or a named error with nothing written. Zero silent rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types.js';
import { demoWorld } from '../../src/sandbox/demo-data.js';
import type { MpBehaviour } from '../../src/sandbox/fake-mailprotector.js';
import type { World } from '../../src/sandbox/world.js';
import { type Scene, startScene, writes } from '../helpers/scene.js';

let scene: Scene | undefined;
afterEach(async () => {
  await scene?.close();
  scene = undefined;
});

const CONTOSO = 7114;
/** A second primary domain of Contoso's, so one group can be listed under two domains. */
const CONTOSO_ORG = 90_001;

/**
 * The demo world, plus 30 one-user CloudFilter groups on Contoso's main domain (33 groups: two
 * pages of 25, four of 10) and a second Contoso domain with a group of its own.
 */
function variantWorld(): World {
  const world = demoWorld();
  const main = world.mp.domains.find((d) => d.customerId === CONTOSO && d.parentId === null)!;
  world.mp.domains.push({ id: CONTOSO_ORG, name: 'contoso.org', customerId: CONTOSO, parentId: null });
  const group = (id: number, name: string, domainId: number, userCount: number) => {
    world.mp.userGroups.push({ id, name, domainId, userCount });
    world.mp.services.push({ id: id + 1000, userGroupId: id, serviceType: 'CloudFilter Email Security' });
  };
  for (let i = 0; i < 30; i++) group(91_000 + i, `Shift ${String(i).padStart(2, '0')}`, main.id, 1);
  group(91_100, 'Contractors', CONTOSO_ORG, 7);
  return world;
}

/** User groups and users present per bound customer (alias domains own none), from the world itself. */
function present(world: World): Record<string, { groups: number; users: number }> {
  const out: Record<string, { groups: number; users: number }> = {};
  for (const c of world.mp.customers) {
    const domains = new Set(world.mp.domains.filter((d) => d.customerId === c.id && !d.parentId).map((d) => d.id));
    const groups = world.mp.userGroups.filter((g) => domains.has(g.domainId));
    out[c.name] = { groups: groups.length, users: groups.reduce((n, g) => n + g.userCount, 0) };
  }
  return out;
}

/** User groups and users the plan counted per bound customer (its recorded inputs). */
function read(plan: Plan): Record<string, { groups: number; users: number }> {
  const out: Record<string, { groups: number; users: number }> = {};
  for (const b of plan.inputs?.bindings ?? [])
    out[b.usage.name] = {
      groups: b.usage.userGroups.length,
      users: b.usage.userGroups.reduce((n, g) => n + g.users, 0),
    };
  return out;
}

const bound = (p: Record<string, { groups: number; users: number }>) => {
  const { Litware: _unbound, ...rest } = p;
  return rest;
};

const actionsOf = (plan: Plan) =>
  [...plan.actions, ...plan.held].map(
    (a) => `${a.company.identifier} ${a.product.identifier} ${a.before} -> ${a.after}`,
  );

async function planJson(s: Scene) {
  const r = await s.run(['plan', '--config', 'config', '--format', 'json']);
  return { code: r.code, stderr: r.stderr, plan: r.code <= 1 && r.stdout ? (JSON.parse(r.stdout) as Plan) : undefined };
}

/** The open quantity of each managed product per agreement in the fake ConnectWise. */
function billed(s: Scene): string[] {
  const products = new Map(s.world.cw.catalog.map((c) => [c.id, c.identifier]));
  return s.world.cw.additions
    .filter((a) => !a.cancelledDate)
    .map((a) => `${a.agreementId} ${products.get(a.productId)} ${a.quantity}`)
    .sort();
}

/**
 * A row that must read right: the plan equals a well-behaved server's (same world, default
 * switches), every user group present is read once, and apply writes exactly the plan.
 */
async function readsRight(behaviour: Partial<MpBehaviour>) {
  scene = await startScene({ world: variantWorld() });
  const control = await planJson(scene);
  expect(control.code).toBe(0);
  Object.assign(scene.sandbox.mp.behaviour, behaviour);
  scene.sandbox.mp.requests.length = 0;
  const variant = await planJson(scene);
  expect(variant.code).toBe(0);
  expect(read(variant.plan!)).toEqual(bound(present(scene.world)));
  expect(actionsOf(variant.plan!)).toEqual(actionsOf(control.plan!));
  // What the variant plan asked Mailprotector (apply reads it again).
  const mpRequests = [...scene.sandbox.mp.requests];
  const applied = await scene.run(['apply', '--yes', '--force', '--config', 'config']);
  expect(applied.code).toBe(0);
  const planned = [...variant.plan!.actions, ...variant.plan!.held];
  expect(writes(scene)).toHaveLength(planned.length);
  for (const a of planned) expect(billed(scene)).toContain(`${a.agreement.id} ${a.product.identifier} ${a.after}`);
  return { plan: variant.plan!, mpRequests };
}

/** A row that must fail: plan and apply exit non-zero with the error named, and nothing is written. */
async function failsNamed(behaviour: Partial<MpBehaviour>, code: number) {
  scene = await startScene({ world: variantWorld() });
  Object.assign(scene.sandbox.mp.behaviour, behaviour);
  const before = billed(scene);
  const plan = await scene.run(['plan', '--config', 'config', '--format', 'json']);
  expect(plan.code).toBe(code);
  expect(plan.stdout).toBe('');
  const apply = await scene.run(['apply', '--yes', '--force', '--config', 'config']);
  expect(apply.code).toBe(code);
  expect(writes(scene)).toEqual([]);
  expect(billed(scene)).toEqual(before);
  return { plan, apply };
}

describe('Mailprotector variants over HTTP, through plan and apply', () => {
  it("no X-Pagination, 10 per page whatever per_page asks: all 33 of Contoso's groups read, applied as planned", async () => {
    const { plan, mpRequests } = await readsRight({ pagingHeaders: 'none', fixedPageSize: 10 });
    expect(read(plan)['Contoso Ltd']).toEqual({ groups: 34, users: 56 + 4 + 9 + 30 + 7 });
    // Contoso's main domain: pages 1-4 (10, 10, 10, 3) and one request confirming the end.
    const main = scene!.world.mp.domains.find((d) => d.customerId === CONTOSO && d.parentId === null)!;
    const pages = mpRequests.filter((r) => r.path.endsWith(`/domains/${main.id}/user_groups`));
    expect(pages.map((r) => r.query.get('page'))).toEqual(['1', '2', '3', '4', '5']);
  });

  it('a 404 right after a full page: a named error of that call, nothing planned or written', async () => {
    const { plan, apply } = await failsNamed({ pagingHeaders: 'none', notFoundFromPage: 2 }, 1);
    for (const out of [plan.stderr, apply.stderr])
      expect(out).toContain(
        'page 2 answered 404 right after a full page 1 (25 records): a 404 there may hide the rest of the list, so it is not taken as its end',
      );
    expect(plan.stderr).toMatch(
      /list user groups of domain contoso\.com \(GET \/api\/v1\/domains\/\d+\/user_groups\?page=2&per_page=25\)/,
    );
  });

  it('a 404 on a page X-Pagination announced: a named error of that call, nothing planned or written', async () => {
    const { plan, apply } = await failsNamed({ notFoundFromPage: 2 }, 1);
    for (const out of [plan.stderr, apply.stderr])
      expect(out).toContain(
        'page 2 answered 404, though X-Pagination announced 2 pages: a 404 there hides records of the list, so it is not taken as its end',
      );
    expect(plan.stderr).toMatch(
      /list user groups of domain contoso\.com \(GET \/api\/v1\/domains\/\d+\/user_groups\?page=2&per_page=25\)/,
    );
  });

  it('the same user group listed under two domains: counted once, applied as planned', async () => {
    const world = variantWorld();
    const staff = world.mp.userGroups.find((g) => g.name === 'Staff')!;
    const { plan, mpRequests } = await readsRight({ alsoListed: [{ groupId: staff.id, domainId: CONTOSO_ORG }] });
    // Staff's 56 users once, not 112.
    expect(read(plan)['Contoso Ltd']).toEqual({ groups: 34, users: 56 + 4 + 9 + 30 + 7 });
    const listed = mpRequests.filter((r) => r.path.endsWith(`/user_groups/${staff.id}/services`));
    expect(listed).toHaveLength(1);
  });

  it('an alias domain answered without parent: it adds no users, applied as planned', async () => {
    const { plan, mpRequests } = await readsRight({ aliasWithoutParent: true });
    expect(read(plan)['Tailspin Toys']).toEqual({ groups: 3, users: 47 });
    // Every alias was read this time (no parent to skip it by), and its parent's groups counted once.
    const aliases = scene!.world.mp.domains.filter((d) => d.parentId !== null);
    expect(aliases.length).toBeGreaterThan(5);
    for (const alias of aliases)
      expect(mpRequests.some((r) => r.path.endsWith(`/domains/${alias.id}/user_groups`))).toBe(true);
  });

  it('one-object services with an add-on mapped: a warning naming the groups, a binding error for each binding billing Bracket, no write', async () => {
    scene = await startScene({ world: variantWorld() });
    Object.assign(scene.sandbox.mp.behaviour, { services: 'object' });
    const { code, plan } = await planJson(scene);
    expect(code).toBe(1);
    // Bracket is mapped (MP-BRACKET) and in the Bracket Bundle: no bound customer can be counted.
    expect(plan!.actions).toEqual([]);
    expect(plan!.inputs!.bindings).toEqual([]);
    expect(plan!.errors.map((e) => e.customer).sort()).toEqual([
      '7120',
      'Contoso Ltd',
      'Fabrikam Inc',
      'Northwind Traders',
      'Tailspin Toys',
    ]);
    const tailspin = plan!.errors.find((e) => e.customer === 'Tailspin Toys')!;
    expect(tailspin.message).toContain(
      'bills Bracket on MP-BRACKET, Bracket on MP-BRACKET-BUNDLE (bundle Bracket Bundle) from usage',
    );
    expect(tailspin.message).toContain(
      'showed one service per user group for 3 user groups of Tailspin Toys ("Secure" (30 users, shown: CloudFilter), "Warehouse" (12 users, shown: CloudFilter), "Hosted" (5 users, shown: CloudMail)), so users carrying Bracket, SecureStore, XtraMail cannot be counted',
    );
    expect(tailspin.fix).toContain('overrides: { "Bracket": { quantity: N } }');
    const warnings = plan!.warnings.filter((w) => w.code === 'services-not-shown').map((w) => w.message);
    expect(warnings).toHaveLength(5);
    expect(warnings.find((w) => w.includes('of Contoso Ltd'))).toBe(
      'Mailprotector reseller 343 answered the services of 34 user groups of Contoso Ltd as one object, which shows one service: Bracket, SecureStore, XtraMail they may carry cannot be seen and may go unbilled: "Staff" (56 users, shown: CloudFilter), "Interns" (9 users, shown: CloudFilter), "Contractors" (7 users, shown: CloudFilter), "Execs" (4 users, shown: CloudFilter), "Shift 00" (1 user, shown: CloudFilter), 29 more groups (29 users); run cwsync doctor --shapes and check these groups\' services in the vendor\'s console',
    );
    const apply = await scene.run(['apply', '--yes', '--force', '--config', 'config']);
    expect(apply.code).toBe(1);
    expect(writes(scene)).toEqual([]);
  });

  it('one-object services with no add-on billed from usage: the warning in JSON, text and the comment, and the plan goes on', async () => {
    scene = await startScene({
      world: variantWorld(),
      edit: (file, text) =>
        file === 'services.yaml'
          ? text.replace('Bracket: MP-BRACKET', 'Bracket: null').replace(/bundles:[\s\S]*$/, 'bundles: []\n')
          : text,
    });
    Object.assign(scene.sandbox.mp.behaviour, { services: 'object' });
    const { code, plan } = await planJson(scene);
    expect(code).toBe(0);
    expect(plan!.errors).toEqual([]);
    expect(read(plan!)).toEqual(bound(present(scene.world)));
    const warned = plan!.warnings.filter((w) => w.code === 'services-not-shown').map((w) => w.message);
    expect(warned).toHaveLength(5);
    expect(warned.find((w) => w.includes('Woodgrove Bank'))).toContain(
      '1 user group of Woodgrove Bank as one object, which shows one service: Bracket, SecureStore, XtraMail they may carry cannot be seen and may go unbilled: "Staff" (40 users, shown: CloudFilter)',
    );
    const text = await scene.run(['plan', '--config', 'config']);
    expect(text.stdout).toContain('1 user group of Woodgrove Bank as one object');
    const comment = await scene.run(['plan', '--config', 'config', '--format', 'markdown']);
    expect(comment.stdout).toContain('1 user group of Woodgrove Bank as one object');
  });

  it('one-object services through a usage snapshot (the pull-request path): the mark survives, the comment warns and names the error', async () => {
    scene = await startScene({ world: variantWorld() });
    Object.assign(scene.sandbox.mp.behaviour, { services: 'object' });
    const usage = await scene.run(['usage', '--config', 'config', '--format', 'json']);
    expect(usage.code).toBe(0);
    writeFileSync(join(scene.repo, 'usage.json'), usage.stdout);
    const table = await scene.run(['usage', '--config', 'config']);
    expect(table.stdout).toContain(
      'warning: Mailprotector answered the services of 41 user groups as one object, which shows one service: Bracket, SecureStore, XtraMail they may carry cannot be seen and may go unbilled (Contoso Ltd, Fabrikam Inc, Litware, Northwind Traders, Tailspin Toys, 1 more)',
    );
    const before = scene.sandbox.mp.requests.length;
    const planned = await scene.run([
      'plan',
      '--config',
      'config',
      '--usage-snapshot',
      'usage.json',
      '--format',
      'json',
      '--out',
      'plan.json',
    ]);
    expect(planned.code).toBe(1);
    expect(scene.sandbox.mp.requests.length).toBe(before); // usage came from the snapshot
    const plan = JSON.parse(planned.stdout) as Plan;
    expect(plan.errors.map((e) => e.customer)).toContain('Tailspin Toys');
    expect(plan.warnings.filter((w) => w.code === 'services-not-shown')).toHaveLength(5);
    const comment = await scene.run(['comment', '--plan', 'plan.json', '--print']);
    expect(comment.stderr).toBe('');
    expect(comment.code).toBe(0);
    expect(comment.stdout).toContain('3 user groups of Tailspin Toys as one object');
    expect(comment.stdout).toContain('bills Bracket on MP-BRACKET');
    expect(writes(scene)).toEqual([]);
  });

  it('an understated X-Pagination total: a named error of that call, nothing planned or written', async () => {
    const { plan } = await failsNamed({ understateTotal: 5 }, 1);
    expect(plan.stderr).toContain('has an X-Pagination total of 1 records, but its 1 pages held 6');
    expect(plan.stderr).toContain('list customers of reseller 343');
  });

  it('an overstated X-Pagination total: a named error of that call, nothing planned or written', async () => {
    const { plan } = await failsNamed({ understateTotal: -5 }, 1);
    expect(plan.stderr).toContain('X-Pagination');
    expect(plan.stderr).toContain('list customers of reseller 343');
  });
});
