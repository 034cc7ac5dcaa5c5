import { bundleGateway } from "../local/bundle.js";

/** Builds the worker once for all test files. */
export default async function setup() {
  await bundleGateway();
}
