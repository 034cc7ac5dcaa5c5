import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.js";
import { createKeyring, signBytes } from "../signing.js";
import { openWakeHint, signWakeHint, WAKE_MAX_AGE_MS } from "./wake.js";

const SECRET_1 = "k1-secret-0123456789abcdef0123456789";
const SECRET_2 = "k2-secret-fedcba9876543210fedcba9876";
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

async function refusal(promise: Promise<unknown>): Promise<{ status: number; detail?: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemError);
    return (error as ProblemError).problem;
  }
  throw new Error("expected a refusal");
}

describe("wake-up hints", () => {
  it("opens a hint signed by a peer with the same keyring", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const { body, signature } = await signWakeHint({ from: "region-a", at: NOW }, keyring);
    expect(signature).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    expect(await openWakeHint(body, signature, keyring, NOW + 5)).toEqual({
      from: "region-a",
      at: NOW,
    });
  });

  it("verifies across a key rotation (signed with the old key, checked by a ring holding both)", async () => {
    const before = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const during = await createKeyring({ current: "k2", keys: { k1: SECRET_1, k2: SECRET_2 } });
    const { body, signature } = await signWakeHint({ from: "region-a", at: NOW }, before);
    expect((await openWakeHint(body, signature, during, NOW)).from).toBe("region-a");
  });

  it("refuses an unsigned, forged, re-targeted or keyless hint with 401", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const forger = await createKeyring({ current: "k1", keys: { k1: SECRET_2 } });
    const { body, signature } = await signWakeHint({ from: "region-a", at: NOW }, keyring);
    const forged = await signWakeHint({ from: "region-a", at: NOW }, forger);
    const changed = body.replace("region-a", "region-b");
    expect((await refusal(openWakeHint(body, undefined, keyring, NOW))).status).toBe(401);
    expect((await refusal(openWakeHint(body, forged.signature, keyring, NOW))).status).toBe(401);
    expect((await refusal(openWakeHint(changed, signature, keyring, NOW))).status).toBe(401);
    expect((await refusal(openWakeHint(body, signature, null, NOW))).status).toBe(401);
  });

  it("refuses a stale or malformed hint with 400, even when signed", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const old = await signWakeHint({ from: "region-a", at: NOW - WAKE_MAX_AGE_MS - 1 }, keyring);
    expect(await refusal(openWakeHint(old.body, old.signature, keyring, NOW))).toMatchObject({
      status: 400,
      detail: "wake-up hint is stale",
    });
    for (const body of [
      "not json",
      '{"from":"region-a"}',
      '{"from":"Region A","at":1}',
      `{"from":"region-a","at":${NOW},"extra":1}`,
    ]) {
      const signature = await signBytes(new TextEncoder().encode(body), keyring);
      expect((await refusal(openWakeHint(body, signature, keyring, NOW))).status).toBe(400);
    }
  });

  it("will not sign a hint of the wrong shape", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    await expect(signWakeHint({ from: "Region A", at: NOW }, keyring)).rejects.toThrow();
  });
});
