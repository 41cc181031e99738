import type { ErrorObject } from 'ajv';

/** The perfpulse.json schema compiled by Ajv at build time (see scripts/gen-config-validator.mjs). */
declare function validate(data: unknown): boolean;
declare namespace validate {
  let errors: ErrorObject[] | null | undefined;
}
export = validate;
