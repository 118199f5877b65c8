#!/usr/bin/env tsx
// thinkgate-chat: asks a reasoning model one question and streams its thinking (dimmed) and
// then its answer (plain) to the terminal.
//
//   THINKGATE_BASE_URL=https://gw.example.com/v1 THINKGATE_API_KEY=… tsx main.ts "9.9 or 9.11?"
//   tsx main.ts --emulator "9.9 or 9.11?"        # no server needed: a local backend emulator
//
// Options: --model <name> (default $THINKGATE_MODEL or qwq-32b), --emulator [dialect path]
// (default /dashscope/compatible-mode/v1), --think-open (raw QwQ without a reasoning parser).
import { APIUserAbortError, Thinkgate, ThinkgateError } from "thinkgate";

const DIM = "\x1b[2m";
const UNDIM = "\x1b[22m";

interface Args {
  prompt: string;
  model: string;
  emulator: string | null;
  thinkOpen: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    prompt: "",
    model: process.env.THINKGATE_MODEL ?? "qwq-32b",
    emulator: null,
    thinkOpen: false,
  };
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--model") args.model = argv[++i] ?? args.model;
    else if (arg === "--think-open") args.thinkOpen = true;
    else if (arg === "--emulator") {
      const next = argv[i + 1];
      args.emulator = next?.startsWith("/") ? next : "/dashscope/compatible-mode/v1";
      if (next?.startsWith("/")) i++;
    } else words.push(arg);
  }
  args.prompt = words.join(" ") || "Which is larger, 9.9 or 9.11?";
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // Colour only on a terminal, or when asked for (the test asks), never with NO_COLOR.
  const color = !process.env.NO_COLOR && (process.stdout.isTTY || process.env.FORCE_COLOR === "1");
  let baseURL = process.env.THINKGATE_BASE_URL;
  let stopEmulator = async () => {};
  if (args.emulator) {
    const { startEmulator } = await import("@thinkgate/emulator");
    const emu = await startEmulator();
    baseURL = `${emu.url}${args.emulator}`;
    stopEmulator = () => emu.close();
  }
  if (!baseURL) {
    process.stderr.write("Set THINKGATE_BASE_URL (and THINKGATE_API_KEY), or pass --emulator.\n");
    return 2;
  }

  const tg = new Thinkgate({
    baseURL,
    apiKey: process.env.THINKGATE_API_KEY,
    reasoning: args.thinkOpen ? "think-open" : "auto",
  });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());

  try {
    const stream = tg.chat.stream(
      { model: args.model, messages: [{ role: "user", content: args.prompt }] },
      { signal: controller.signal },
    );
    let part: "reasoning" | "content" | null = null;
    for await (const ev of stream) {
      if (ev.type === "reasoning") {
        if (part === null && color) process.stdout.write(DIM);
        part = "reasoning";
        process.stdout.write(ev.delta);
      } else if (ev.type === "content") {
        if (part === "reasoning") process.stdout.write(color ? `${UNDIM}\n\n` : "\n\n");
        part = "content";
        process.stdout.write(ev.delta);
      }
    }
    if (part === "reasoning" && color) process.stdout.write(UNDIM);
    const { usage, finishReason } = await stream.final();
    const tokens = usage ? `${usage.completion_tokens} tokens` : "no usage reported";
    process.stderr.write(`\n[${finishReason ?? "done"}, ${tokens}]\n`);
    return 0;
  } catch (error) {
    if (error instanceof APIUserAbortError) {
      process.stderr.write("\n[aborted]\n");
      return 130;
    }
    const detail =
      error instanceof ThinkgateError
        ? `${error.name}${error.status ? ` ${error.status}` : ""}: ${error.message}`
        : String(error);
    process.stderr.write(`\n${detail}\n`);
    return 1;
  } finally {
    await stopEmulator();
  }
}

process.exitCode = await main();
