import type { SqlClient, SqlResult } from "./sql.js";

/**
 * The positional parameters of one statement assembled from parts: each part asks for a
 * `$n` by value, so parts written apart never have to agree on numbering.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  /** The placeholder (`$3`) that will carry `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Runs several writes as ONE statement (one round trip): each is a data-modifying CTE,
 * which Postgres runs to completion whether or not anything reads it. The writes must
 * touch different rows (they see one snapshot, not each other's effects). No statement
 * is sent when there is nothing to write.
 */
export async function writeTogether(
  client: SqlClient,
  params: SqlParams,
  writes: ReadonlyArray<string | undefined>,
): Promise<SqlResult | undefined> {
  const present = writes.filter((sql): sql is string => sql !== undefined);
  if (present.length === 0) return undefined;
  const ctes = present.map((sql, i) => `w${i} as (${sql})`).join(",\n");
  return client.query(`with ${ctes}\nselect 1 as done`, params.values);
}
