/**
 * Demo data that matches config.example/: some quantities already right, some wrong, a
 * missing addition, a bundle, a skipped product, an unmapped service, an unbound customer and
 * an addition of a product cwsync does not manage.
 */
import { type CwAddition, emptyCwWorld, emptyMpWorld, type World } from './world.js';

export const DEMO_PORTS = { connectwise: 47801, mailprotector: 47802 };

export const DEMO_ENV = {
  CW_PUBLIC_KEY: 'sandbox-public',
  CW_PRIVATE_KEY: 'sandbox-private',
  CW_CLIENT_ID: '00000000-0000-4000-8000-000000000001',
  MP_API_KEY: 'sandbox-mp-key',
};

type GroupSpec = [name: string, users: number, services: string[]];

const API_NAMES: Record<string, string> = { CloudFilter: 'CloudFilter Email Security', SafeSend: 'SafeSend Outbound' };

export function demoWorld(): World {
  const cw = emptyCwWorld({
    publicKey: DEMO_ENV.CW_PUBLIC_KEY,
    privateKey: DEMO_ENV.CW_PRIVATE_KEY,
    clientIds: [DEMO_ENV.CW_CLIENT_ID],
  });
  const mp = emptyMpWorld({ apiKey: DEMO_ENV.MP_API_KEY });
  cw.catalog.push(
    {
      id: 752,
      identifier: 'MP-CLOUDFILTER',
      description: 'Mailprotector CloudFilter',
      inactiveFlag: false,
      price: 3.5,
      cost: 1.75,
    },
    {
      id: 753,
      identifier: 'MP-SAFESEND',
      description: 'Mailprotector SafeSend',
      inactiveFlag: false,
      price: 1.5,
      cost: 0.75,
    },
    { id: 754, identifier: 'MP-BRACKET', description: 'Mailprotector Bracket', inactiveFlag: false, price: 2, cost: 1 },
    {
      id: 755,
      identifier: 'MP-CLOUDMAIL',
      description: 'Mailprotector CloudMail',
      inactiveFlag: false,
      price: 5,
      cost: 2.5,
    },
    {
      id: 756,
      identifier: 'MP-BRACKET-BUNDLE',
      description: 'Mailprotector Bracket Bundle',
      inactiveFlag: false,
      price: 6,
      cost: 3,
    },
    {
      id: 757,
      identifier: 'MP-CLOUDFILTER',
      description: 'Old CloudFilter SKU',
      inactiveFlag: true,
      price: 3,
      cost: 1.5,
    },
    {
      id: 900,
      identifier: 'M365-BP',
      description: 'Microsoft 365 Business Premium',
      inactiveFlag: false,
      price: 22,
      cost: 18.7,
    },
  );
  let ids = 1;
  const additions: Array<
    Omit<
      CwAddition,
      'id' | 'unitPrice' | 'unitCost' | 'billCustomer' | 'effectiveDate' | 'cancelledDate' | 'description'
    > & { cancelledDate?: string }
  > = [];
  const customer = (
    mpId: number,
    name: string,
    groups: GroupSpec[],
    cwCompany?: {
      id: number;
      identifier: string;
      name: string;
      agreementId: number;
      agreement: string;
      lines: Array<[productId: number, quantity: number]>;
    },
  ) => {
    mp.customers.push({ id: mpId, name, resellerId: mp.resellerId });
    const domain = ids++;
    const slug = name.toLowerCase().split(' ')[0]!;
    mp.domains.push(
      { id: domain, name: `${slug}.com`, customerId: mpId, parentId: null },
      { id: ids++, name: `${slug}.net`, customerId: mpId, parentId: domain },
    );
    for (const [g, users, services] of groups) {
      const groupId = ids++;
      mp.userGroups.push({ id: groupId, name: g, domainId: domain, userCount: users });
      for (const s of services) mp.services.push({ id: ids++, userGroupId: groupId, serviceType: API_NAMES[s] ?? s });
    }
    if (!cwCompany) return;
    cw.companies.push({ id: cwCompany.id, identifier: cwCompany.identifier, name: cwCompany.name, deletedFlag: false });
    cw.agreements.push({
      id: cwCompany.agreementId,
      name: cwCompany.agreement,
      companyId: cwCompany.id,
      agreementStatus: 'Active',
      cancelledFlag: false,
      billStartDate: '2026-01-01T00:00:00Z',
    });
    for (const [productId, quantity] of cwCompany.lines)
      additions.push({ agreementId: cwCompany.agreementId, productId, quantity });
  };

  customer(
    7114,
    'Contoso Ltd',
    [
      ['Staff', 56, ['CloudFilter', 'SafeSend']],
      ['Execs', 4, ['CloudFilter']],
      ['Interns', 9, ['CloudFilter', 'SafeSend', 'SecureStore']],
    ],
    {
      id: 250,
      identifier: 'CONTOSO',
      name: 'Contoso Ltd.',
      agreementId: 1234,
      agreement: 'Email Security',
      lines: [
        [752, 60],
        [753, 65],
        [900, 12],
      ],
    },
  );
  customer(7115, 'Fabrikam Inc', [['All staff', 120, ['CloudFilter', 'SafeSend']]], {
    id: 251,
    identifier: 'FABRIKAM',
    name: 'Fabrikam, Inc.',
    agreementId: 1240,
    agreement: 'Managed Email',
    lines: [
      [752, 120],
      [753, 120],
    ],
  });
  customer(7116, 'Northwind Traders', [['Office', 23, ['CloudFilter', 'CloudMail']]], {
    id: 252,
    identifier: 'NORTHWIND',
    name: 'Northwind Traders',
    agreementId: 1250,
    agreement: 'Email Security',
    lines: [[752, 23]],
  });
  customer(
    7117,
    'Tailspin Toys',
    [
      ['Secure', 30, ['Bracket', 'CloudFilter', 'SafeSend']],
      ['Warehouse', 12, ['CloudFilter']],
      ['Hosted', 5, ['CloudMail']],
    ],
    {
      id: 253,
      identifier: 'TAILSPIN',
      name: 'Tailspin Toys',
      agreementId: 1260,
      agreement: 'Security Bundle',
      lines: [
        [756, 28],
        [752, 12],
        [755, 3],
      ],
    },
  );
  customer(7120, 'Woodgrove Bank', [['Staff', 40, ['CloudFilter', 'XtraMail']]], {
    id: 254,
    identifier: 'WOODGROVE',
    name: 'Woodgrove Bank',
    agreementId: 5005,
    agreement: 'Email Security',
    lines: [[752, 44]],
  });
  customer(7130, 'Litware', [['Everyone', 15, ['CloudFilter']]]);
  cw.companies.push({ id: 260, identifier: 'CONTOSO-OLD', name: 'Contoso Ltd.', deletedFlag: true });

  for (const a of additions) {
    const item = cw.catalog.find((c) => c.id === a.productId)!;
    cw.additions.push({
      id: cw.nextId++,
      agreementId: a.agreementId,
      productId: a.productId,
      quantity: a.quantity,
      unitPrice: item.price,
      unitCost: item.cost,
      billCustomer: 'Billable',
      effectiveDate: '2026-01-01T00:00:00Z',
      cancelledDate: a.cancelledDate ?? null,
      description: item.description,
    });
  }
  // History: a cancelled CloudMail line on Northwind must not count as open.
  cw.additions.push({
    id: cw.nextId++,
    agreementId: 1250,
    productId: 755,
    quantity: 10,
    unitPrice: 5,
    unitCost: 2.5,
    billCustomer: 'Billable',
    effectiveDate: '2025-01-01T00:00:00Z',
    cancelledDate: '2025-06-30T00:00:00Z',
    description: 'Mailprotector CloudMail',
  });
  return { cw, mp };
}
