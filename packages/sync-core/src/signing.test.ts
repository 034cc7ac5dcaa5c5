import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { parseEvent, SIGNATURE_PATTERN } from "./event.js";
import {
  base64url,
  createKeyring,
  fromBase64url,
  fromCanonicalBase64url,
  signBytes,
  signEvent,
  verifyBytes,
  verifyEvent,
} from "./signing.js";
import { memoryEvent } from "./test-support.js";

const SECRET_1 = "k1-secret-0123456789abcdef0123456789";
const SECRET_2 = "k2-secret-fedcba9876543210fedcba9876";

describe("signEvent / verifyEvent", () => {
  it("signs with the current key and verifies", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const signed = await signEvent(memoryEvent(), keyring);
    expect(signed.sig).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyEvent(signed, keyring)).toEqual({ ok: true, keyId: "k1" });
    expect(parseEvent(signed).success).toBe(true);
  });

  it("rejects missing, unknown-key and wrong signatures, each with its reason", async () => {
    const k1 = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const k2 = await createKeyring({ current: "k2", keys: { k2: SECRET_2 } });
    const signed = await signEvent(memoryEvent(), k1);
    expect(await verifyEvent(memoryEvent(), k1)).toEqual({ ok: false, reason: "missing" });
    expect(await verifyEvent(signed, k2)).toEqual({ ok: false, reason: "unknown-key" });
    const forged = await createKeyring({ current: "k1", keys: { k1: SECRET_2 } });
    expect(await verifyEvent(signed, forged)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyEvent({ ...signed, sig: "k1.tooshort" }, k1)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("keeps verifying events in flight across a key rotation", async () => {
    const before = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const during = await createKeyring({ current: "k2", keys: { k1: SECRET_1, k2: SECRET_2 } });
    const after = await createKeyring({ current: "k2", keys: { k2: SECRET_2 } });
    const old = await signEvent(memoryEvent(), before);
    const fresh = await signEvent(memoryEvent(), during);
    expect(fresh.sig?.startsWith("k2.")).toBe(true);
    expect(await verifyEvent(old, during)).toEqual({ ok: true, keyId: "k1" });
    expect(await verifyEvent(fresh, after)).toEqual({ ok: true, keyId: "k2" });
    expect(await verifyEvent(old, after)).toEqual({ ok: false, reason: "unknown-key" });
  });

  it("re-signing replaces the old signature instead of covering it", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const once = await signEvent(memoryEvent(), keyring);
    const twice = await signEvent(once, keyring);
    expect(twice.sig).toBe(once.sig);
  });

  it("refuses weak or inconsistent keyrings", async () => {
    await expect(createKeyring({ current: "k1", keys: { k1: "short" } })).rejects.toThrow(
      /shorter than 32/,
    );
    await expect(createKeyring({ current: "k9", keys: { k1: SECRET_1 } })).rejects.toThrow(
      /not in the keyring/,
    );
  });

  it("fails verification when any byte of the signed event changes", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const signed = await signEvent(
      memoryEvent({ payload: { text: "naïve café ☕", x: 1, y: 5, tags: ["a", "b"] } }),
      keyring,
    );
    const bytes = new TextEncoder().encode(canonicalJson(signed));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (index, mask) => {
          const tampered = bytes.slice();
          tampered[index] = (tampered[index] as number) ^ mask;
          const text = new TextDecoder().decode(tampered);
          const parsed = parseEvent(text);
          if (!parsed.success) return; // rejected before verification: fine
          expect((await verifyEvent(parsed.data, keyring)).ok).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("base64url", () => {
  it("round-trips any bytes, past the encoder's chunk size too", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => {
        expect(fromBase64url(base64url(bytes))).toEqual(bytes);
      }),
      { numRuns: 60 },
    );
  });

  it("is RFC 4648 §5 without padding (the platform's btoa as the reference)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const reference = btoa(String.fromCharCode(...bytes))
          .replace(/\+/g, "-")
          .replace(/\//g, "_")
          .replace(/=+$/, "");
        expect(base64url(bytes)).toBe(reference);
        expect(fromBase64url(reference)).toEqual(bytes);
      }),
    );
  });

  it("takes only the canonical spelling when asked (spare bits zero), as base64url writes it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(63), (bytes, other) => {
        const text = base64url(bytes);
        expect(fromCanonicalBase64url(text)).toEqual(bytes);
        const changed =
          text.slice(0, -1) +
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[other];
        const decoded = fromBase64url(changed);
        // Another last character either decodes to other bytes, or is refused as non-canonical.
        if (decoded && base64url(decoded) !== changed)
          expect(fromCanonicalBase64url(changed)).toBeUndefined();
      }),
    );
  });

  it("refuses characters outside the alphabet and impossible lengths", () => {
    for (const bad of ["a", "ab+c", "ab/c", "ab=c", "abé", "a b"])
      expect(fromBase64url(bad)).toBeUndefined();
  });
});

describe("signBytes / verifyBytes", () => {
  it("signs any bytes in the events' signature format, and names why a check fails", async () => {
    const keyring = await createKeyring({ current: "k1", keys: { k1: SECRET_1 } });
    const bytes = new TextEncoder().encode('{"from":"region-a","at":1}');
    const sig = await signBytes(bytes, keyring);
    expect(sig).toMatch(SIGNATURE_PATTERN);
    expect(await verifyBytes(bytes, sig, keyring)).toEqual({ ok: true, keyId: "k1" });
    expect(await verifyBytes(new TextEncoder().encode("{}"), sig, keyring)).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifyBytes(bytes, null, keyring)).toEqual({ ok: false, reason: "missing" });
    expect(await verifyBytes(bytes, "k1.short", keyring)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});
