import { describe, expect, it } from "vitest";
import { createTransitKeyring } from "./keyring.js";
import { generateTransitKey } from "./keys.js";

describe("createTransitKeyring", () => {
  it("publishes the current key's public half and holds every key by id", async () => {
    const [old, current] = await Promise.all([generateTransitKey("k1"), generateTransitKey("k2")]);
    const keyring = await createTransitKeyring({
      region: "region-a",
      current: "k2",
      keys: { k1: old.privateKey, k2: current.privateKey },
    });
    expect(keyring.region).toBe("region-a");
    expect(keyring.current).toBe("k2");
    expect(keyring.publicKey).toBe(current.publicKey);
    expect(keyring.ids).toEqual(["k1", "k2"]);
    expect(keyring.key("k1")?.type).toBe("private");
    expect(keyring.key("k3")).toBeUndefined();
  });

  it("requires the current key to be among the keys, listing them", async () => {
    const { privateKey } = await generateTransitKey("k1");
    await expect(
      createTransitKeyring({ region: "region-a", current: "k2", keys: { k1: privateKey } }),
    ).rejects.toThrow('transit key "k2" is current but not among the keys (k1)');
    await expect(
      createTransitKeyring({ region: "region-a", current: "k1", keys: {} }),
    ).rejects.toThrow('transit key "k1" is current but not among the keys (none)');
    // An Object member is not a key: `in` would have said it was.
    await expect(
      createTransitKeyring({
        region: "region-a",
        current: "constructor",
        keys: { k1: privateKey },
      }),
    ).rejects.toThrow('transit key "constructor" is current but not among the keys (k1)');
  });

  it("names the key that does not import, current or not", async () => {
    const { privateKey } = await generateTransitKey("k2");
    await expect(
      createTransitKeyring({
        region: "region-a",
        current: "k2",
        keys: { k1: "A".repeat(120), k2: privateKey },
      }),
    ).rejects.toThrow('transit key "k1" is not a P-256 private key');
  });
});
