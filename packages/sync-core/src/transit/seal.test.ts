import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  parseEvent,
  type SealedContent,
  type SyncEvent,
  type UnsignedSyncEvent,
} from "../event.js";
import { newEventId } from "../event-id.js";
import { formatHlc } from "../hlc.js";
import { base64url, createKeyring, fromBase64url, signEvent, verifyEvent } from "../signing.js";
import { unstorableText } from "../storable.js";
import { memoryEvent } from "../test-support.js";
import { createTransitKeyring, type TransitKeyring } from "./keyring.js";
import { generateTransitKey, importTransitPublicKey, type TransitKeyPair } from "./keys.js";
import { openEvent, sealEvent, type TransitRecipient } from "./seal.js";

// Six regions; one is named like an Object member, so "addressed" must mean an own entry of `to`.
const REGIONS = ["region-a", "region-b", "region-c", "region-d", "region-e", "constructor"];
const SLOW = 60_000;

interface Member {
  pair: TransitKeyPair;
  keyring: TransitKeyring;
  recipient: TransitRecipient;
}

async function member(region: string, keyId = "k1", pair?: TransitKeyPair): Promise<Member> {
  const own = pair ?? (await generateTransitKey(keyId));
  const keyring = await createTransitKeyring({
    region,
    current: own.keyId,
    keys: { [own.keyId]: own.privateKey },
  });
  const publicKey = await importTransitPublicKey(own.publicKey);
  return { pair: own, keyring, recipient: { region, publicKey } };
}

const fleet = new Map<string, Member>();
const at = (region: string) => fleet.get(region) as Member;

beforeAll(async () => {
  for (const region of REGIONS) fleet.set(region, await member(region));
});

function unsigned(overrides: Partial<SyncEvent> = {}): UnsignedSyncEvent {
  const { sig: _sig, ...event } = memoryEvent(overrides);
  return event;
}

async function sealFor(regions: readonly string[], event = unsigned()): Promise<SyncEvent> {
  return sealEvent(
    event,
    regions.map((region) => at(region).recipient),
  );
}

const reason = async (event: SyncEvent, keyring: TransitKeyring) => {
  const result = await openEvent(event, keyring);
  return result.ok ? "ok" : result.reason;
};

/**
 * Record content as the store holds it: JSON objects without NUL or unpaired surrogates, and
 * without a `__proto__` member (parseEvent's record rule drops one, sealed or not).
 */
const payloads = fc
  .record({
    text: fc.string({ minLength: 12, maxLength: 60, unit: "grapheme" }),
    rest: fc.dictionary(
      fc.string({ maxLength: 10, unit: "grapheme" }),
      fc.jsonValue({ maxDepth: 2, stringUnit: "grapheme" }),
      { maxKeys: 5 },
    ),
  })
  .map(({ text, rest }): Record<string, unknown> => ({ ...rest, text }))
  .filter(
    (payload) =>
      unstorableText(payload).length === 0 && !JSON.stringify(payload).includes('"__proto__":'),
  );

/** Every string of a JSON value, keys included, as JSON text writes it (without the quotes). */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [JSON.stringify(value).slice(1, -1)];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([key, item]) => [...stringsOf(key), ...stringsOf(item)]);
  return [];
}

describe("sealEvent / openEvent", () => {
  it(
    "opens to exactly the payload for each recipient, and for no one else (property)",
    async () => {
      await fc.assert(
        fc.asyncProperty(payloads, fc.subarray(REGIONS, { minLength: 1 }), async (payload, to) => {
          const event = unsigned({ payload });
          const sealed = await sealFor(to, event);
          expect(Object.keys(sealed.sealed?.to ?? {}).sort()).toEqual([...to].sort());
          for (const region of REGIONS) {
            const opened = await openEvent(sealed, at(region).keyring);
            if (to.includes(region)) expect(opened).toEqual({ ok: true, event });
            else expect(opened).toEqual({ ok: false, reason: "not-addressed" });
          }
        }),
        { numRuns: 30 },
      );
    },
    SLOW,
  );

  it(
    "leaves no string of the payload readable in the sealed event's JSON (property)",
    async () => {
      await fc.assert(
        fc.asyncProperty(payloads, async (payload) => {
          const event = unsigned({ payload });
          const { payload: _content, ...metadata } = event;
          const clearText = JSON.stringify(metadata);
          const sealedText = JSON.stringify(await sealFor(["region-b"], event));
          // Strings the clear metadata holds anyway (an id, "memory") say nothing about the seal.
          const secrets = stringsOf(payload).filter(
            (text) => text.length >= 8 && !clearText.includes(text),
          );
          expect(secrets.length).toBeGreaterThan(0);
          for (const text of secrets) expect(sealedText).not.toContain(text);
          expect(sealedText).not.toContain('"payload"');
        }),
        { numRuns: 40 },
      );
    },
    SLOW,
  );

  it("keeps the clear metadata as it was and uses a fresh data key per seal", async () => {
    const event = unsigned();
    const [first, second] = [
      await sealFor(["region-b"], event),
      await sealFor(["region-b"], event),
    ];
    const { payload: _content, ...metadata } = event;
    const { sealed: seal, ...clear } = first;
    expect(clear).toEqual(metadata);
    expect(seal?.alg).toBe("ECDH-ES+A256KW/A256GCM");
    expect(second.sealed?.ct).not.toBe(seal?.ct);
    expect(second.sealed?.epk).not.toBe(seal?.epk);
  });

  it("parses as an event, and signs and verifies like any other", async () => {
    const signing = await createKeyring({ current: "s1", keys: { s1: "s".repeat(32) } });
    const event = unsigned();
    const signed = await signEvent(await sealFor(["region-a", "region-b"], event), signing);
    const parsed = parseEvent(JSON.stringify(signed));
    expect(parsed).toEqual({ success: true, data: signed });
    expect(await verifyEvent(signed, signing)).toEqual({ ok: true, keyId: "s1" });
    const seal = signed.sealed as SealedContent;
    const altered = { ...signed, sealed: { ...seal, to: { "region-a": seal.to["region-a"] } } };
    expect(await verifyEvent(altered as SyncEvent, signing)).toEqual({
      ok: false,
      reason: "mismatch",
    });
    const opened = await openEvent(signed, at("region-a").keyring);
    expect(opened).toEqual({ ok: true, event: { ...event, sig: signed.sig } });
    // The signature covers what travelled (the seal), so it is checked before opening.
    if (opened.ok)
      expect(await verifyEvent(opened.event, signing)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses to seal an event without content or for no one", async () => {
    const { payload: _content, ...deleted } = unsigned({ action: "memory.deleted" });
    await expect(sealEvent(deleted, [at("region-a").recipient])).rejects.toThrow(TypeError);
    await expect(sealEvent(unsigned(), [])).rejects.toThrow("at least one recipient");
  });

  it("passes an event without a seal through unchanged", async () => {
    const event = memoryEvent();
    expect(await openEvent(event, at("region-a").keyring)).toEqual({ ok: true, event });
  });
});

describe("a sealed event altered in transit", () => {
  let sealed: SyncEvent;
  let seal: SealedContent;
  beforeAll(async () => {
    sealed = await sealFor(["region-a", "region-b"]);
    seal = sealed.sealed as SealedContent;
  });
  const withSeal = (change: Partial<SealedContent>): SyncEvent => ({
    ...sealed,
    sealed: { ...seal, ...change },
  });

  it("does not open once any clear metadata field changes", async () => {
    const later = Date.UTC(2026, 10, 21, 12, 0, 1);
    const changes: Array<[string, Partial<SyncEvent>]> = [
      ["id", { id: newEventId(later) }],
      ["hlc", { hlc: formatHlc({ wall: later, counter: 0, node: "region-a" }) }],
      ["privacy", { privacy: 6 }],
      ["privacy", { privacy: null }],
      ["namespace", { namespace: "prod-shared:team-alpha" }],
      ["entity_id", { entity_id: "mem-2" }],
      ["origin", { origin: "region-z" }],
      ["action", { action: "memory.updated" }],
      ["action", { action: "thread.updated", entity_type: "thread" }],
      ["created_at", { created_at: new Date(later).toISOString() }],
    ];
    for (const [field, change] of changes) {
      const altered = { ...sealed, ...change };
      // Still a valid event: only the seal can tell.
      expect(parseEvent(altered).success, field).toBe(true);
      expect(await reason(altered, at("region-a").keyring), field).toBe("undecryptable");
    }
  });

  it(
    "does not open once a byte of ct, iv, epk or its wrapped key flips (property)",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("ct", "iv", "epk", "wrap"),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (field, index, mask) => {
            const [keyId, wrapped] = (seal.to["region-a"] as string).split(".") as [string, string];
            const text = field === "wrap" ? wrapped : seal[field];
            const bytes = fromBase64url(text) as Uint8Array;
            const at_ = index % bytes.length;
            bytes[at_] = (bytes[at_] as number) ^ mask;
            const flipped = base64url(bytes);
            const altered =
              field === "wrap"
                ? withSeal({ to: { ...seal.to, "region-a": `${keyId}.${flipped}` } })
                : withSeal({ [field]: flipped });
            // The schema checks forms, not contents: only the seal can tell.
            expect(parseEvent(altered).success).toBe(true);
            expect(await reason(altered, at("region-a").keyring)).toBe("undecryptable");
            // Another recipient's wrap is its own: it opens unless the shared parts changed.
            expect(await reason(altered, at("region-b").keyring)).toBe(
              field === "wrap" ? "ok" : "undecryptable",
            );
          },
        ),
        { numRuns: 60 },
      );
    },
    SLOW,
  );

  it("does not open a second spelling of the same bytes (base64url's spare bits)", async () => {
    const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // The last character of 65 (epk) and 40 (wrapped key) bytes carries spare low bits.
    const respell = (text: string) =>
      text.slice(0, -1) + ALPHABET[ALPHABET.indexOf(text.slice(-1)) ^ 1];
    const epk = respell(seal.epk);
    expect(fromBase64url(epk)).toEqual(fromBase64url(seal.epk));
    expect(await reason(withSeal({ epk }), at("region-a").keyring)).toBe("undecryptable");
    const wrap = respell(seal.to["region-a"] as string);
    const altered = withSeal({ to: { ...seal.to, "region-a": wrap } });
    expect(parseEvent(altered).success).toBe(true);
    expect(await reason(altered, at("region-a").keyring)).toBe("undecryptable");
  });

  it("is refused by the schema, naming the field, when the seal loses its form", async () => {
    const cases: Array<[string, Partial<SealedContent>]> = [
      ["sealed.iv", { iv: seal.iv.slice(1) }],
      ["sealed.epk", { epk: `${seal.epk.slice(0, -1)}+` }],
      ["sealed.ct", { ct: seal.ct.slice(0, 21) }],
      [
        "sealed.to.region-a",
        { to: { ...seal.to, "region-a": (seal.to["region-a"] as string).slice(0, -1) } },
      ],
    ];
    for (const [field, change] of cases) {
      const altered = withSeal(change);
      expect(parseEvent(altered)).toMatchObject({ success: false, errors: [{ field }] });
      // Opened without that parse, it still does not open.
      expect(await reason(altered, at("region-a").keyring), field).toBe("undecryptable");
    }
  });

  it("does not open with a wrap moved to another region's entry", async () => {
    const moved = withSeal({ to: { ...seal.to, "region-b": seal.to["region-a"] as string } });
    expect(await reason(moved, at("region-b").keyring)).toBe("undecryptable");
    expect(await reason(moved, at("region-a").keyring)).toBe("ok");
    const copied = withSeal({ to: { ...seal.to, "region-c": seal.to["region-a"] as string } });
    expect(await reason(copied, at("region-c").keyring)).toBe("undecryptable");
    // Each wrap names its region (HKDF info), so even one key pair copied to two regions
    // does not open one region's wrap under the other's entry.
    const twin = await member("region-c", "k1", at("region-a").pair);
    expect(await reason(copied, twin.keyring)).toBe("undecryptable");
  });

  it("says unknown-key for a key id the region does not hold", async () => {
    const other = await generateTransitKey("k2");
    const rotatedAway = await createTransitKeyring({
      region: "region-a",
      current: "k2",
      keys: { k2: other.privateKey },
    });
    expect(await reason(sealed, rotatedAway)).toBe("unknown-key");
  });

  it("opens to malformed when what was sealed is not a payload the contract accepts", async () => {
    const array = unsigned({ payload: [1, 2] as unknown as Record<string, unknown> });
    expect(await reason(await sealFor(["region-a"], array), at("region-a").keyring)).toBe(
      "malformed",
    );
    const nul = unsigned({ payload: { text: "a\u0000b" } });
    expect(await reason(await sealFor(["region-a"], nul), at("region-a").keyring)).toBe(
      "malformed",
    );
  });
});

describe("transit key rotation", () => {
  it("opens events sealed for the old key and for the new one while both are held", async () => {
    const old = at("region-a").pair;
    const next = await generateTransitKey("k2");
    const both = await createTransitKeyring({
      region: "region-a",
      current: "k2",
      keys: { k1: old.privateKey, k2: next.privateKey },
    });
    expect(both.publicKey).toBe(next.publicKey);
    const forOld = await sealFor(["region-a"]);
    const forNew = await sealEvent(unsigned(), [
      { region: "region-a", publicKey: await importTransitPublicKey(next.publicKey) },
    ]);
    expect(forNew.sealed?.to["region-a"]).toMatch(/^k2\./);
    expect(await reason(forOld, both)).toBe("ok");
    expect(await reason(forNew, both)).toBe("ok");
    // Before the rotation the new key is unknown; after the old key is dropped, the old one is.
    expect(await reason(forNew, at("region-a").keyring)).toBe("unknown-key");
    const newOnly = await createTransitKeyring({
      region: "region-a",
      current: "k2",
      keys: { k2: next.privateKey },
    });
    expect(await reason(forOld, newOnly)).toBe("unknown-key");
    expect(await reason(forNew, newOnly)).toBe("ok");
  });
});

describe("a region the record was not sealed for", () => {
  it("cannot open it holding every secret it has", async () => {
    const sealed = await sealFor(["region-a", "region-b"]);
    const outsider = at("region-c");
    // It holds the fleet's signing keys: it can check the event, not read it.
    const signing = await createKeyring({ current: "s1", keys: { s1: "s".repeat(32) } });
    const signed = await signEvent(sealed, signing);
    expect((await verifyEvent(signed, signing)).ok).toBe(true);
    expect(await reason(signed, outsider.keyring)).toBe("not-addressed");
    // Its own transit keys under every id and every recipient's name open nothing either.
    const spare = await generateTransitKey("k2");
    for (const region of Object.keys(signed.sealed?.to ?? {})) {
      const posing = await createTransitKeyring({
        region,
        current: "k1",
        keys: { k1: outsider.pair.privateKey, k2: spare.privateKey },
      });
      expect(await reason(signed, posing), region).toBe("undecryptable");
    }
  });
});
