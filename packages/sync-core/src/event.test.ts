import { describe, expect, it } from "vitest";
import { parseEvent, SEAL_ALGORITHM, type SealedContent, syncEventSchema } from "./event.js";
import { deterministicEventId, isEventId, newEventId } from "./event-id.js";
import { memoryEvent } from "./test-support.js";

describe("SyncEvent v1", () => {
  it("accepts a complete event and round-trips it through JSON", () => {
    const event = memoryEvent();
    const parsed = parseEvent(JSON.stringify(event));
    expect(parsed).toEqual({ success: true, data: event });
  });

  it("names every bad field at once", () => {
    const result = parseEvent({
      ...memoryEvent(),
      privacy: 40,
      origin: "Region A",
      hlc: "yesterday",
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    const fields = result.errors.map((e) => e.field).sort();
    expect(fields).toEqual(["hlc", "origin", "privacy"]);
    expect(result.errors.find((e) => e.field === "privacy")?.message).toBe(
      "must be between -15 and 15",
    );
  });

  it("reports JSON syntax errors at the root", () => {
    const result = parseEvent("{not json");
    expect(result.success).toBe(false);
    if (!result.success) expect(result.errors[0]?.field).toBe("(root)");
  });

  it("rejects unknown fields, so a renamed key cannot slip past the signature", () => {
    const { payload, ...rest } = memoryEvent();
    const result = parseEvent({ ...rest, paylaod: payload });
    expect(result.success).toBe(false);
  });

  it("ties the entity type to the action", () => {
    const result = parseEvent(memoryEvent({ entity_type: "thread" }));
    expect(result).toMatchObject({
      success: false,
      errors: [{ field: "entity_type", message: 'must be "memory" for action memory.created' }],
    });
  });

  it("forbids content on a redaction", () => {
    const result = parseEvent(memoryEvent({ action: "memory.redacted" }));
    expect(result).toMatchObject({ success: false, errors: [{ field: "payload" }] });
    const { payload: _payload, ...redacted } = memoryEvent({
      action: "memory.redacted",
      privacy: -12,
    });
    expect(parseEvent(redacted).success).toBe(true);
  });

  it("allows a missing privacy only as an explicit null", () => {
    expect(parseEvent(memoryEvent({ privacy: null })).success).toBe(true);
    const { privacy: _privacy, ...noPrivacy } = memoryEvent();
    expect(parseEvent(noPrivacy)).toMatchObject({ success: false, errors: [{ field: "privacy" }] });
  });

  it("requires UTC timestamps", () => {
    expect(parseEvent(memoryEvent({ created_at: "2026-11-21T12:00:00+02:00" })).success).toBe(
      false,
    );
    expect(
      syncEventSchema.safeParse(memoryEvent({ created_at: "2026-11-21T12:00:00.123Z" })).success,
    ).toBe(true);
  });
});

describe("sealed content", () => {
  /** A seal of the right shape (what `sealEvent` writes); the schema does not open it. */
  const sealed: SealedContent = {
    alg: SEAL_ALGORITHM,
    epk: `B${"A".repeat(86)}`,
    iv: "A".repeat(16),
    ct: "A".repeat(40),
    to: { "region-b": `k1.${"A".repeat(54)}` },
  };
  const sealedEvent = (overrides: Record<string, unknown> = {}) => {
    const { payload: _payload, ...clear } = memoryEvent();
    return { ...clear, sealed, ...overrides };
  };
  const fieldsOf = (input: unknown) => {
    const result = parseEvent(input);
    return result.success ? [] : result.errors.map((error) => error.field);
  };

  it("takes the place of the payload on a content action", () => {
    expect(parseEvent(sealedEvent()).success).toBe(true);
    expect(
      parseEvent(sealedEvent({ action: "thread.updated", entity_type: "thread" })).success,
    ).toBe(true);
  });

  it("is refused beside a clear payload, naming sealed", () => {
    expect(parseEvent(sealedEvent({ payload: { text: "clear" } }))).toMatchObject({
      success: false,
      errors: [{ field: "sealed", message: "must not come with a clear payload" }],
    });
  });

  it("is refused on every action that carries no record content", () => {
    const cases = [
      { action: "memory.deleted", entity_type: "memory" },
      { action: "memory.redacted", entity_type: "memory" },
      { action: "schedule.decrement", entity_type: "schedule" },
      { action: "apikey.upserted", entity_type: "apikey" },
      { action: "apikey.revoked", entity_type: "apikey" },
    ];
    for (const fields of cases)
      expect(parseEvent(sealedEvent(fields)), fields.action).toMatchObject({
        success: false,
        errors: [
          {
            field: "sealed",
            message: `must be absent on ${fields.action} (only record content is sealed)`,
          },
        ],
      });
  });

  it("names each malformed member of the seal", () => {
    const withSeal = (change: Partial<Record<keyof SealedContent, unknown>>) =>
      fieldsOf(sealedEvent({ sealed: { ...sealed, ...change } }));
    expect(withSeal({ alg: "RSA-OAEP" })).toEqual(["sealed.alg"]);
    expect(withSeal({ epk: "B".repeat(86) })).toEqual(["sealed.epk"]);
    expect(withSeal({ iv: `${"A".repeat(15)}=` })).toEqual(["sealed.iv"]);
    expect(withSeal({ iv: "A".repeat(20) })).toEqual(["sealed.iv"]);
    expect(withSeal({ ct: "A".repeat(21) })).toEqual(["sealed.ct"]);
    expect(withSeal({ ct: 42 })).toEqual(["sealed.ct"]);
    expect(withSeal({ to: {} })).toEqual(["sealed.to"]);
    expect(withSeal({ to: [] })).toEqual(["sealed.to"]);
    expect(withSeal({ to: { "region-b": `k1.${"A".repeat(53)}` } })).toEqual([
      "sealed.to.region-b",
    ]);
    expect(withSeal({ to: { "region-b": "A".repeat(54) } })).toEqual(["sealed.to.region-b"]);
    expect(withSeal({ to: { "Region B": `k1.${"A".repeat(54)}` } })[0]).toMatch(/^sealed\.to/);
    expect(fieldsOf(sealedEvent({ sealed: { ...sealed, key: "x" } }))).toEqual(["sealed"]);
    expect(fieldsOf(sealedEvent({ sealed: "opaque" }))).toEqual(["sealed"]);
  });
});

describe("event ids", () => {
  it("are UUIDv7 carrying their millisecond time", () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = newEventId(t);
    expect(isEventId(id)).toBe(true);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(t);
    expect(newEventId(t)).not.toBe(id);
  });

  it("are stable for the same seed and differ for another", () => {
    const a = deterministicEventId(1_700_000_000_000, "seed");
    expect(deterministicEventId(1_700_000_000_000, "seed")).toBe(a);
    expect(deterministicEventId(1_700_000_000_000, "seed!")).not.toBe(a);
    expect(isEventId(a)).toBe(true);
  });

  it("accept ULIDs", () => {
    expect(isEventId("01ARZ3NDEKTSV4RRFFQ69G5FAV")).toBe(true);
    expect(isEventId("01ARZ3NDEKTSV4RRFFQ69G5FAU!")).toBe(false);
  });
});
