import { describe, expect, it } from "vitest";
import { base64url, fromBase64url } from "../signing.js";
import {
  generateTransitKey,
  importTransitPrivateKey,
  importTransitPublicKey,
  isTransitPrivateKeyText,
  isTransitPublicKeyText,
  TRANSIT_PUBLIC_KEY_PATTERN,
  transitPublicKeyOf,
} from "./keys.js";

/** A PKCS#8 private key of another curve: the right form, the wrong key. */
async function p384PrivateKeyText(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, [
    "deriveBits",
  ])) as CryptoKeyPair;
  return base64url(
    new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer),
  );
}

describe("transit key text forms", () => {
  it("generates a pair whose texts have the documented forms", async () => {
    const pair = await generateTransitKey("t20261204");
    expect(pair.keyId).toBe("t20261204");
    expect(isTransitPrivateKeyText(pair.privateKey)).toBe(true);
    expect(isTransitPublicKeyText(pair.publicKey)).toBe(true);
    const [, keyId, point] = TRANSIT_PUBLIC_KEY_PATTERN.exec(pair.publicKey) ?? [];
    expect(keyId).toBe("t20261204");
    const bytes = fromBase64url(point as string) as Uint8Array;
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
    expect(base64url(bytes)).toBe(point);
  });

  it("derives the published public key from the private key alone", async () => {
    const pairs = await Promise.all(["k1", "k2", "k3"].map((id) => generateTransitKey(id)));
    for (const pair of pairs) {
      const privateKey = await importTransitPrivateKey(pair.keyId, pair.privateKey);
      expect(await transitPublicKeyOf(pair.keyId, privateKey)).toBe(pair.publicKey);
      const publicKey = await importTransitPublicKey(pair.publicKey);
      expect(publicKey.keyId).toBe(pair.keyId);
      expect(publicKey.text).toBe(pair.publicKey);
      expect(publicKey.key.type).toBe("public");
    }
    expect(new Set(pairs.map((pair) => pair.privateKey)).size).toBe(3);
  });

  it("refuses a key id outside 1-32 of A-Z a-z 0-9 _ -, naming it", async () => {
    for (const bad of ["", "has space", "dot.ted", "k".repeat(33)])
      await expect(generateTransitKey(bad), bad).rejects.toThrow(`"${bad}"`);
    const { privateKey } = await generateTransitKey("k1");
    await expect(importTransitPrivateKey("dot.ted", privateKey)).rejects.toThrow(/"dot\.ted"/);
  });

  it("names the key when a private key does not import", async () => {
    await expect(importTransitPrivateKey("old", "not base64url!")).rejects.toThrow(
      'transit key "old" is not base64url PKCS#8',
    );
    await expect(importTransitPrivateKey("old", "A".repeat(79))).rejects.toThrow(
      'transit key "old" is not base64url PKCS#8',
    );
    await expect(importTransitPrivateKey("old", "A".repeat(120))).rejects.toThrow(
      'transit key "old" is not a P-256 private key',
    );
    await expect(importTransitPrivateKey("p384", await p384PrivateKeyText())).rejects.toThrow(
      'transit key "p384" is not a P-256 private key',
    );
  });

  it("names the key when a public key is not a point on P-256", async () => {
    const { publicKey } = await generateTransitKey("k1");
    for (const bad of ["k1", `k1.${publicKey.slice(3, -1)}`, publicKey.replace("k1.", "k1:"), ""])
      await expect(importTransitPublicKey(bad), bad).rejects.toThrow(
        "a transit public key is <keyId>.<base64url 65-byte P-256 point>",
      );
    // The right form, but (0, 0) is not on the curve.
    await expect(importTransitPublicKey(`k9.B${"A".repeat(86)}`)).rejects.toThrow(
      'transit public key "k9" is not a P-256 point',
    );
  });

  it("tells the forms apart without importing, and refuses what is not a string", () => {
    expect(isTransitPrivateKeyText(undefined)).toBe(false);
    expect(isTransitPrivateKeyText(42)).toBe(false);
    expect(isTransitPublicKeyText(null)).toBe(false);
    expect(isTransitPublicKeyText(`k1.B${"A".repeat(86)}`)).toBe(true);
    expect(isTransitPublicKeyText(`k1.A${"A".repeat(86)}`)).toBe(false);
    expect(isTransitPublicKeyText(`B${"A".repeat(86)}`)).toBe(false);
  });
});
