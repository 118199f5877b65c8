// A client's own request id is kept when it is sane (so its logs and ours line up); anything
// else (too long, odd characters that could forge log fields) is replaced by a fresh one.
const sane = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && sane.test(header)
    ? header
    : `req_${crypto.randomUUID().replaceAll("-", "")}`;
}
