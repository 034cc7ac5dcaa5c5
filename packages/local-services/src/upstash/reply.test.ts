import { describe, expect, it } from "vitest";
import { encodeOutcome, encodeReply } from "./reply";

const b = (text: string) => Buffer.from(text);

describe("encodeReply", () => {
  it("base64-encodes every string except a top-level OK", () => {
    expect(encodeReply(b("OK"), { base64: true })).toBe('"OK"');
    expect(encodeReply(b("PONG"), { base64: true })).toBe('"UE9ORw=="');
    expect(encodeReply([b("OK"), [b("OK")]], { base64: true })).toBe('["T0s=",["T0s="]]');
  });

  it("keeps integers as JSON numbers digit for digit, and nil as null", () => {
    expect(encodeReply("9007199254740993", { base64: true })).toBe("9007199254740993");
    expect(encodeReply(["-1", null, [b("x"), "2"]], { base64: true })).toBe('[-1,null,["eA==",2]]');
  });

  it("encodes raw bytes exactly with base64 and as UTF-8 text without", () => {
    const bytes = Buffer.from([0, 255, 128]);
    expect(encodeReply(bytes, { base64: true })).toBe('"AP+A"');
    expect(JSON.parse(encodeReply(b("ü 🚀"), { base64: false }))).toBe("ü 🚀");
  });

  it("writes an error nested in an array as its text", () => {
    expect(encodeReply([new Error("ERR nested")], { base64: false })).toBe('["ERR nested"]');
  });

  it("refuses a malformed integer", () => {
    expect(() => encodeReply("12a", { base64: false })).toThrow(/not a RESP integer/);
  });
});

describe("encodeOutcome", () => {
  it("writes {result} or {error} with the error text unchanged", () => {
    expect(encodeOutcome({ ok: true, reply: null }, { base64: true })).toBe('{"result":null}');
    expect(
      encodeOutcome({ ok: false, error: "NOSCRIPT No matching script." }, { base64: true }),
    ).toBe('{"error":"NOSCRIPT No matching script."}');
  });
});
