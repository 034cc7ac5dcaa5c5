export {
  inTransaction,
  type SqlClient,
  type SqlPool,
  type SqlResult,
  withClient,
} from "@memoria/sql";

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name the store may create and quote; anything else is refused before any SQL. */
export function checkIdentifier(name: string, what = "identifier"): string {
  if (!IDENTIFIER.test(name))
    throw new RangeError(`${what} must match ${IDENTIFIER}: ${JSON.stringify(name)}`);
  return name;
}
