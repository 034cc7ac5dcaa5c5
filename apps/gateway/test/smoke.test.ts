import { afterAll, beforeAll, expect, it } from "vitest";
import { call, eventually, startTwoRegions, type TwoRegions } from "./harness.js";

let regions: TwoRegions;
beforeAll(async () => {
  regions = await startTwoRegions({ backend: "redis" });
});
afterAll(async () => {
  await regions?.stop();
});

it("a public memory written in A shows up in B without a cron tick", async () => {
  const created = await call(regions.a, "/memory", {
    method: "POST",
    json: { text: "hello from A", y: 5 },
  });
  expect(created.status).toBe(201);
  const { memory } = (await created.json()) as { memory: { id: string } };
  const seen = await eventually(async () => {
    const response = await call(regions.b, `/memory/${memory.id}`);
    return response.status === 200
      ? ((await response.json()) as { memory: { text: string } })
      : undefined;
  });
  expect(seen.memory.text).toBe("hello from A");
});
