/** Node-only test setup: Node 20 has no global WebSocket, so the Neon driver gets `ws`. */
import { configureNeonForLocal } from "@memoria/local-services/client";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { inject } from "vitest";
import ws from "ws";
import "@memoria/local-services/testing/provided";

export function configureNeon(): void {
  configureNeonForLocal(neonConfig, inject("localServices").neon, { webSocketConstructor: ws });
}

/** A Neon `Pool` (WebSocket through the local proxy) on the real test database. */
export function neonPool(max = 10): Pool {
  return new Pool({ connectionString: inject("localServices").postgresUrl, max });
}
