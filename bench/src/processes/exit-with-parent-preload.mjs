// Preloaded (`node --import`) into contenders we do not own (apps/node, Portkey), so that they
// exit when the harness that started them is gone, as our own children do (exit-with-parent.ts).
// Plain JavaScript: Portkey runs without tsx, exactly as its README starts it.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0); // re-parented: the harness has exited
}, 1000).unref();
