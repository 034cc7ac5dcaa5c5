import { describe, expect, it } from "vitest";
import { outbound, stripHopByHop, upstreamUrl } from "./forward.js";

describe("forwarding", () => {
  it("forwards the client's credentials unchanged (X-API-Key, Authorization)", () => {
    const headers = stripHopByHop(
      new Headers({ "x-api-key": "mem_client-key", authorization: "Bearer mem_client-key" }),
    );
    expect(headers.get("x-api-key")).toBe("mem_client-key");
    expect(headers.get("authorization")).toBe("Bearer mem_client-key");
  });

  it("strips hop-by-hop headers, including those the Connection header names", () => {
    const headers = stripHopByHop(
      new Headers({
        connection: "keep-alive, x-secret-hop",
        "keep-alive": "timeout=5",
        "x-secret-hop": "1",
        te: "trailers",
        upgrade: "websocket",
        "proxy-authorization": "x",
        host: "router",
        accept: "application/json",
      }),
    );
    expect([...headers.keys()]).toEqual(["accept"]);
  });

  it("passes the client's IP on in X-Forwarded-For", async () => {
    const request = await outbound(
      new Request("https://edge.example/memory?x=1", {
        headers: { "cf-connecting-ip": "203.0.113.7", "x-forwarded-for": "198.51.100.1" },
      }),
      1024,
    );
    expect(request.headers.get("x-forwarded-for")).toBe("198.51.100.1, 203.0.113.7");
    expect(request.headers.get("x-forwarded-host")).toBe("edge.example");
    expect(request.target).toBe("/memory?x=1");
  });

  it("counts the body as it streams, whatever Content-Length says", async () => {
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(400));
        controller.close();
      },
    });
    const request = new Request("https://edge.example/memory", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expect(outbound(request, 1024)).rejects.toMatchObject({ problem: { status: 413 } });
    await expect(
      outbound(
        new Request("https://edge.example/memory", { method: "POST", body: "x".repeat(100) }),
        1024,
      ),
    ).resolves.toMatchObject({ method: "POST" });
  });

  it("only ever builds URLs on the region's own origin", () => {
    expect(upstreamUrl("http://127.0.0.1:8701", "/memory/1?y=2").toString()).toBe(
      "http://127.0.0.1:8701/memory/1?y=2",
    );
    expect(upstreamUrl("https://region.example/base/", "/memory").toString()).toBe(
      "https://region.example/base/memory",
    );
    expect(() => upstreamUrl("http://127.0.0.1:8701", "@evil.example/x")).toThrow();
  });
});
