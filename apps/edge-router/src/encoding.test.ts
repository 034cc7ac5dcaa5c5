import { describe, expect, it } from "vitest";
import { clientAcceptEncoding, encodeForClient, negotiateCoding } from "./encoding.js";

describe("negotiateCoding", () => {
  it.each([
    [null, null],
    ["", null],
    ["identity", null],
    ["gzip", "gzip"],
    ["br", "br"],
    ["gzip, br", "gzip"],
    ["br, gzip", "br"],
    ["gzip;q=0.5, br", "br"],
    ["br;q=0, gzip;q=0.1", "gzip"],
    ["deflate, zstd", null],
    ["*", "gzip"],
    ["GZIP ; q=1.0", "gzip"],
    ["gzip;q=0", null],
  ])("%j → %j", (accept, coding) => {
    expect(negotiateCoding(accept)).toBe(coding);
  });
});

describe("encodeForClient", () => {
  it("re-codes a br/gzip answer for the client, or drops the coding", () => {
    const headers = new Headers({ "content-encoding": "br" });
    encodeForClient(headers, null);
    expect(headers.get("content-encoding")).toBeNull();
    headers.set("content-encoding", "br");
    encodeForClient(headers, "gzip");
    expect(headers.get("content-encoding")).toBe("gzip");
  });

  it("leaves an uncoded answer, or one the runtime did not decode, as it is", () => {
    const plain = new Headers();
    encodeForClient(plain, "gzip");
    expect(plain.get("content-encoding")).toBeNull();
    const zstd = new Headers({ "content-encoding": "zstd" });
    encodeForClient(zstd, null);
    expect(zstd.get("content-encoding")).toBe("zstd");
  });
});

describe("clientAcceptEncoding", () => {
  it("prefers what the platform recorded the client sent over the rewritten header", () => {
    const rewritten = { "accept-encoding": "br, gzip" };
    const withCf = (clientAcceptEncoding: string) =>
      Object.assign(new Request("http://router/", { headers: rewritten }), {
        cf: { clientAcceptEncoding },
      });
    expect(clientAcceptEncoding(withCf(""))).toBeNull();
    expect(clientAcceptEncoding(withCf("gzip"))).toBe("gzip");
    expect(clientAcceptEncoding(new Request("http://router/", { headers: rewritten }))).toBe(
      "br, gzip",
    );
  });
});
