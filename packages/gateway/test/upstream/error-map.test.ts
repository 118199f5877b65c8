import { describe, expect, it } from "vitest";
import { mapInBandError, mapUpstreamStatus, notAStream } from "../../src/upstream/error-map.js";
import { scrubUpstreamText } from "../../src/upstream/scrub.js";

const leaky =
  "engine failed at http://10.0.0.5:8000/internal with Bearer sk-live-abcdef1234567890 " +
  'File "/opt/vllm/engine.py", line 412, host gpu-box.internal:8000 ([fe80::1]:9000) ' +
  "key C:\\models\\qwq api_key=hunter2hunter2 token eyJhbGciOiJIUzI1NiJ9abc123def456ghi";

describe("scrubUpstreamText", () => {
  it("removes URLs, hosts, IPs, paths and credentials, and keeps the prose", () => {
    const out = scrubUpstreamText(leaky);
    for (const secret of [
      "10.0.0.5",
      "/internal",
      "sk-live",
      "abcdef1234567890",
      "/opt/vllm",
      "engine.py",
      "gpu-box.internal",
      "fe80",
      "C:\\models",
      "hunter2",
      "eyJhbGci",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("engine failed at [url] with Bearer [redacted]");
    expect(out).toContain("line 412");
    expect(out).toContain("api_key=[redacted]");
  });

  it("leaves an ordinary validation message readable", () => {
    const text =
      "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (e.g. 38000 in the messages). Please reduce the length.";
    expect(scrubUpstreamText(text)).toBe(text);
  });

  it("keeps hosts and paths but not credentials for the operator's log", () => {
    const out = scrubUpstreamText(leaky, { secretsOnly: true });
    expect(out).toContain("http://10.0.0.5:8000/internal");
    expect(out).toContain("/opt/vllm/engine.py");
    expect(out).not.toContain("abcdef1234567890");
    expect(out).not.toContain("hunter2");
  });

  it("costs the same for a megabyte of text as for its first two kilobytes", () => {
    const huge = `${"http://a.b/".repeat(200)}${"x".repeat(4_000_000)}`;
    const out = scrubUpstreamText(huge);
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out).not.toContain("a.b");
  });
});

describe("mapUpstreamStatus", () => {
  it("is a table: each upstream status has one answer", () => {
    const cases: Array<[number, number, string, boolean]> = [
      [400, 400, "upstream_bad_request", false],
      [401, 502, "upstream_auth_failed", true],
      [403, 502, "upstream_auth_failed", true],
      [404, 502, "upstream_model_not_found", true],
      [408, 504, "upstream_timeout", true],
      [413, 400, "upstream_bad_request", false],
      [422, 400, "upstream_bad_request", false],
      [429, 429, "upstream_rate_limited", true],
      [500, 502, "upstream_error", true],
      [503, 503, "upstream_unavailable", true],
      [504, 504, "upstream_timeout", true],
      [418, 502, "upstream_error", false],
    ];
    for (const [upstream, status, code, retryable] of cases) {
      const mapped = mapUpstreamStatus(upstream, "", null, "gpu");
      expect([upstream, mapped.error.status, mapped.error.body.code, mapped.retryable]).toEqual([
        upstream,
        status,
        code,
        retryable,
      ]);
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const seconds = mapUpstreamStatus(429, "", "7", "gpu");
    expect(seconds.error.headers?.["retry-after"]).toBe("7");
    const date = new Date(Date.now() + 42_000).toUTCString();
    const dated = mapUpstreamStatus(429, "", date, "gpu");
    const after = Number(dated.error.headers?.["retry-after"]);
    expect(after).toBeGreaterThanOrEqual(40);
    expect(after).toBeLessThanOrEqual(43);
    expect(mapUpstreamStatus(429, "", "soon", "gpu").error.headers?.["retry-after"]).toBe("1");
  });

  it("scrubs the upstream's message and refuses a code that is not a plain identifier", () => {
    const body = JSON.stringify({ error: { message: leaky, code: "sk-live-abcdef1234567890" } });
    const mapped = mapUpstreamStatus(400, body, null, "gpu");
    expect(mapped.error.body.code).toBe("upstream_bad_request");
    expect(mapped.error.body.message).toMatch(/^Upstream gpu rejected the request: engine failed/);
    expect(JSON.stringify(mapped.error.body)).not.toMatch(/10\.0\.0\.5|sk-live|\/opt\/vllm/);
    expect(mapped.detail).toContain("/opt/vllm/engine.py");
  });
});

describe("mapInBandError", () => {
  it("never lets an upstream pick the client's 401 or 403", () => {
    for (const status of [401, 403]) {
      const mapped = mapInBandError(
        { message: leaky, type: "authentication_error", param: null, code: String(status) },
        status,
        "gpu",
      );
      expect(mapped.error.status).toBe(502);
      expect(mapped.error.body.type).toBe("upstream_error");
      expect(mapped.error.body.message).not.toContain("sk-live");
    }
  });

  it("gives an in-band 429 a Retry-After", () => {
    const mapped = mapInBandError(
      { message: "slow down", type: "x", param: null, code: "429" },
      429,
      "gpu",
    );
    expect(mapped.error.status).toBe(429);
    expect(mapped.error.headers?.["retry-after"]).toBe("1");
  });

  it("names an in-band error without a status a stream error, keeping a plain upstream code", () => {
    const mapped = mapInBandError(
      {
        message: "Input data may contain inappropriate content.",
        type: "x",
        param: null,
        code: "DataInspectionFailed",
      },
      undefined,
      "cloud",
    );
    expect(mapped.error.status).toBe(502);
    expect(mapped.error.body.code).toBe("DataInspectionFailed");
    expect(mapped.error.body.message).toBe(
      "Upstream cloud reported an error: Input data may contain inappropriate content.",
    );
  });
});

describe("notAStream", () => {
  it("a 200 JSON error document naming 401 is still never the client's 401, and is scrubbed", () => {
    const body = JSON.stringify({ error: { message: leaky, code: 401 } });
    const mapped = notAStream("gpu", body);
    expect(mapped.error.status).toBe(502);
    expect(mapped.error.body.code).toBe("upstream_auth_failed");
    const plain = notAStream("gpu", JSON.stringify({ error: { message: leaky } }));
    expect(plain.error.status).toBe(502);
    expect(plain.error.body.message).not.toMatch(/10\.0\.0\.5|sk-live|\/opt\/vllm/);
  });
});
