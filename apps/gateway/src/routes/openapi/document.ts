import type { GatewayApp } from "../../app.js";

/** The API's version in the document: bumped with a change a client would notice. */
export const API_VERSION = "1.0.0";

/**
 * The OpenAPI 3.1 document of every route registered on `app` (each one's `defineRoute`
 * config): built in memory, no request needed, so tests and the lint script read it
 * without serving anything.
 */
export function openApiDocument(app: GatewayApp) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Memoria Edge gateway",
      version: API_VERSION,
      description:
        "One region's gateway of Memoria Edge: the memory API (upstream Memoria's routes and this API's own), health, settings, keys, dead letters and sync tools. Every error is application/problem+json naming the field at fault. The edge router in front serves the same paths.",
    },
    servers: [{ url: "/", description: "This gateway (or the edge router in front of it)" }],
    tags: [
      { name: "memory", description: "This API's memory routes" },
      { name: "memory (upstream)", description: "Upstream Memoria's read routes" },
      { name: "health", description: "Readiness, sync status, metrics" },
      { name: "settings", description: "The region's runtime settings" },
      { name: "admin", description: "Keys, failover, dead letters" },
      { name: "sync", description: "Sync tools and the peers' wake-up hint" },
      { name: "meta", description: "This document and its reference page" },
    ],
  });
}
