import { expect, it } from "vitest";
import {
  createTransitKeyring,
  generateTransitKey,
  importTransitPublicKey,
  loadConfig,
  newEventId,
  openEvent,
  parseEvent,
  sealEvent,
} from "./index.js";
import { memoryEvent } from "./test-support.js";

// Runs only under vitest.workers.config.ts: proves the suite beside it ran inside workerd.
it("runs inside workerd, where sync-core works without Node built-ins", () => {
  expect(navigator.userAgent).toBe("Cloudflare-Workers");
  expect(
    loadConfig({ env: { MEMORIA_SYNC__PRIVACY_FLOOR: "0", DECREMENT_TZ: "Europe/Paris" } }).config
      .sync.privacy_floor,
  ).toBe(0);
  expect(parseEvent({ v: 1, id: newEventId() }).success).toBe(false);
});

// Transit sealing needs ECDH's `public` member, HKDF and AES-KW as workerd implements them
// (workers-types even spell the member `$public`): seal and open here, not only in Node.
it("seals for two regions and opens in workerd", async () => {
  const regions = ["region-b", "region-c"];
  const pairs = await Promise.all(regions.map(() => generateTransitKey("k1")));
  const recipients = await Promise.all(
    pairs.map(async (pair, i) => ({
      region: regions[i] as string,
      publicKey: await importTransitPublicKey(pair.publicKey),
    })),
  );
  const { sig: _sig, ...event } = memoryEvent();
  const sealed = await sealEvent(event, recipients);
  expect(parseEvent(sealed).success).toBe(true);
  expect(JSON.stringify(sealed)).not.toContain("the sky is blue");
  for (const [i, pair] of pairs.entries()) {
    const keyring = await createTransitKeyring({
      region: regions[i] as string,
      current: "k1",
      keys: { k1: pair.privateKey },
    });
    expect(keyring.publicKey).toBe(pair.publicKey);
    expect(await openEvent(sealed, keyring)).toEqual({ ok: true, event });
  }
  const outsider = await createTransitKeyring({
    region: "region-d",
    current: "k1",
    keys: { k1: (pairs[0] as { privateKey: string }).privateKey },
  });
  expect(await openEvent(sealed, outsider)).toEqual({ ok: false, reason: "not-addressed" });
});
