import { bundleGateway } from "@memoria/gateway/local/bundle";
import { bundleRouter } from "../local/router.js";

/** Builds both workers once for all test files. */
export default async function setup() {
  await Promise.all([bundleGateway(), bundleRouter()]);
}
