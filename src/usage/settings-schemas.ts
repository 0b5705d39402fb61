/**
 * The JSON Schemas of the usage sources' settings under `usage:` in cwsync.yaml. The published
 * schema/cwsync.schema.json embeds them (npm run schema writes it; a test checks it).
 */
export const mailprotectorSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiKey', 'reseller'],
  properties: {
    url: {
      type: 'string',
      minLength: 1,
      default: 'https://emailservice.io/api/v1',
    },
    apiKey: {
      $ref: '#/definitions/secretRef',
    },
    reseller: {
      type: 'integer',
      minimum: 1,
      description: 'Reseller account whose customers are billed',
    },
    requestsPerSecond: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1000,
      default: 5,
    },
    concurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 32,
      default: 4,
    },
    timeoutSeconds: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 600,
      default: 30,
      description: "One request's deadline in seconds",
    },
  },
};

export const usageFileSettingsSchema = {
  type: 'string',
  minLength: 1,
  description: 'A usage snapshot file, relative to the config directory',
};
