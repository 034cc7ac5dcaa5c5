import { bundleRouter } from "@memoria/edge-router/local/router";
import { bundleGateway } from "@memoria/gateway/local/bundle";

/** The drills run the real workers: build both once. */
export default async function setup() {
  await Promise.all([bundleGateway(), bundleRouter()]);
}
