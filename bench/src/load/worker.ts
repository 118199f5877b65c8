// The load generator: a process of its own, so the contender under test never shares an event
// loop with the client that measures it. Jobs arrive over IPC, one at a time.
import { runClosedLoop } from "./closed-loop.js";
import type { Job, Reply, Request } from "./jobs.js";
import { closeStreams, openStreams } from "./open-streams.js";
import { runSequential } from "./sequential.js";
import { runStreams } from "./streams.js";

function run(job: Job): Promise<unknown> {
  switch (job.kind) {
    case "sequential":
      return runSequential(job);
    case "closed-loop":
      return runClosedLoop(job);
    case "streams":
      return runStreams(job);
    case "open-streams":
      return openStreams(job);
    case "close-streams":
      return closeStreams();
  }
}

let queue = Promise.resolve();
process.on("message", (message: Request) => {
  queue = queue.then(async () => {
    let reply: Reply;
    try {
      reply = { id: message.id, result: await run(message.job) };
    } catch (error) {
      reply = { id: message.id, error: (error as Error).stack ?? String(error) };
    }
    process.send?.(reply);
  });
});
process.on("disconnect", () => process.exit(0));
