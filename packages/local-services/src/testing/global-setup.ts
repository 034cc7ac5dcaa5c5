import type { TestProject } from "vitest/node";
import { startLocalServices } from "../launcher/launcher";
import { canConnect } from "../net";
import "./provided";

/**
 * Vitest global setup (Node side, for the Node and the workerd suites): the
 * endpoints in front of the shared real servers (127.0.0.1:6379 and :5432, or
 * MEMORIA_TEST_REDIS_URL / MEMORIA_TEST_PG_URL). Where a shared server does not
 * answer, a private one is started instead, so the tests never need a server
 * started by hand. Tests isolate themselves by key prefix and table name.
 */
export default async function setup(project: TestProject) {
  const redisUrl = process.env.MEMORIA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const postgresUrl =
    process.env.MEMORIA_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
  const reuseRedis = await answers(redisUrl, 6379);
  const reusePostgres = await answers(postgresUrl, 5432);
  if (!reuseRedis || !reusePostgres) {
    console.warn(
      `[local-services] shared ${[!reuseRedis && redisUrl, !reusePostgres && postgresUrl].filter(Boolean).join(" and ")} not answering: starting private servers`,
    );
  }
  const services = await startLocalServices({
    ...(reuseRedis ? { redisUrl } : {}),
    ...(reusePostgres ? { postgresUrl } : {}),
  });
  const { upstash, neon, postgres, redis } = services;
  if (!upstash || !neon || !postgres || !redis) throw new Error("local services incomplete");
  project.provide("localServices", {
    upstash: { url: upstash.url, token: upstash.token },
    neon: { wsProxy: neon.wsProxy, fetchEndpoint: neon.fetchEndpoint },
    postgresUrl: postgres.url,
    redisUrl: redis.url,
  });
  return () => services.stop();
}

async function answers(url: string, defaultPort: number): Promise<boolean> {
  const parsed = new URL(url.replace(/^postgres(ql)?:/, "http:"));
  return canConnect(parsed.hostname, Number(parsed.port || defaultPort));
}
