import { bundleGateway } from "@memoria/gateway/local/bundle";

export default async function setup() {
  await bundleGateway();
}
