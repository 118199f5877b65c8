// The gateway names every request itself: a client-chosen id could repeat another request's and
// confuse correlation (logs, traces, the id sent upstream). A client's own x-request-id is kept
// beside ours as clientRequestId when it is sane; anything else (too long, odd characters that
// could forge log fields) is dropped.
const sane = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** The client's x-request-id, when it is fit for a log line. */
export function clientRequestIdFrom(header: string | undefined): string | undefined {
  return header !== undefined && sane.test(header) ? header : undefined;
}
