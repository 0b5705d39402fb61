/**
 * The JSON Schema of `connectwise:` in cwsync.yaml: the ConnectWise adapter's settings. The
 * published schema/cwsync.schema.json embeds it (npm run schema writes it; a test checks it).
 */
export const connectWiseSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['company', 'publicKey', 'privateKey', 'clientId'],
  properties: {
    site: {
      type: 'string',
      minLength: 1,
      description: 'API host, e.g. api-na.myconnectwise.net; the codebase is found via /login/companyinfo/{company}',
    },
    url: {
      type: 'string',
      minLength: 1,
      description: 'A full base URL ending in /apis/3.0, instead of site',
    },
    company: {
      type: 'string',
      minLength: 1,
      description: 'The ConnectWise company ID used to log in',
    },
    publicKey: {
      $ref: '#/definitions/secretRef',
    },
    privateKey: {
      $ref: '#/definitions/secretRef',
    },
    clientId: {
      $ref: '#/definitions/secretRef',
    },
    readOnly: {
      type: 'object',
      additionalProperties: false,
      required: ['publicKey', 'privateKey'],
      description:
        'Keys of an API member whose role can only inquire, for pull-request plans (plan --read-only): never the write keys',
      properties: {
        publicKey: {
          $ref: '#/definitions/secretRef',
        },
        privateKey: {
          $ref: '#/definitions/secretRef',
        },
        clientId: {
          $ref: '#/definitions/secretRef',
        },
      },
    },
    apiVersion: {
      type: 'string',
      pattern: '^\\d{4}\\.\\d{1,2}$',
      default: '2025.1',
      description: 'Pinned API model version sent in the Accept header',
    },
    concurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 16,
      default: 4,
      description: 'Requests in flight at once',
    },
    timeoutSeconds: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 600,
      default: 30,
      description: "One request's deadline in seconds (raise it for a slow self-hosted server)",
    },
    billCustomer: {
      enum: ['Billable', 'DoNotBill', 'NoCharge'],
      description:
        'billCustomer of the additions cwsync creates (default Billable; policy.billCustomer is still read when this is absent)',
    },
    effectiveDate: {
      enum: ['today', 'first-of-month', 'first-of-next-month'],
      description:
        'effectiveDate of the additions cwsync creates (default first-of-next-month; policy.effectiveDate is still read when this is absent)',
    },
  },
};
