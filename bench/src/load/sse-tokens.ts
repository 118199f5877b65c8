// Counts what a streamed chat completion delivered, as it arrives, without JSON-parsing every
// event: the load generator must stay cheaper than the gateways it measures. Every contender
// here frames events with "\n\n" (the emulator, Thinkgate's renderer, Portkey's passthrough).

// A chunk that carries text: reasoning (any spelling) or answer, non-empty.
const TOKEN = /"(?:reasoning_content|reasoning|content)":"(?!")/;
const ERROR = /^data: ?\{"error"/;

export class SSETokens {
  tokens = 0;
  done = false;
  error: string | undefined;
  private tail = "";

  /** Feeds bytes (ASCII or UTF-8: latin1 keeps byte boundaries); calls onToken per token chunk. */
  feed(bytes: Uint8Array, onToken: () => void): void {
    const text =
      this.tail + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
    let start = 0;
    let end = text.indexOf("\n\n");
    while (end >= 0) {
      this.event(text.slice(start, end), onToken);
      start = end + 2;
      end = text.indexOf("\n\n", start);
    }
    this.tail = text.slice(start);
  }

  private event(event: string, onToken: () => void): void {
    if (event.startsWith("data: [DONE]")) {
      this.done = true;
      return;
    }
    if (ERROR.test(event)) {
      this.error ??= event.slice(0, 300);
      return;
    }
    if (TOKEN.test(event)) {
      this.tokens++;
      onToken();
    }
  }
}
