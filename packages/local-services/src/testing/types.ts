/**
 * What the vitest global setup hands to test files (Node and workerd) through
 * `provide`/`inject`: where the endpoints in front of the real servers answer.
 */
export interface ProvidedServices {
  upstash: { url: string; token: string };
  neon: { wsProxy: string; fetchEndpoint: string };
  /** The real Postgres behind the Neon endpoint, as the driver should name it. */
  postgresUrl: string;
  /** The real Redis behind the Upstash endpoint. */
  redisUrl: string;
}
