import { execFileSync } from "node:child_process";

/**
 * vitest globalSetup: the metrics tests run the real Prometheus tools (promtool and the
 * prometheus server, Debian's package `prometheus`). When they are missing, they are
 * installed with apt-get (CI and the development machines run as root), so a fresh machine
 * brings them itself; if that fails, the run stops saying why, rather than skipping the tests.
 */
export default function setup(): void {
  if (installed()) return;
  process.stderr.write("metrics tests: installing prometheus (Debian package) with apt-get\n");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "prometheus"], {
      stdio: "inherit",
      env,
    });
  } catch (err) {
    throw new Error(
      `the metrics tests need Debian's prometheus package (promtool, prometheus), and installing it failed: ${(err as Error).message}. Install it with: apt-get install prometheus`,
    );
  }
  if (!installed()) throw new Error("apt-get installed prometheus, but promtool is not on PATH");
}

function installed(): boolean {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
    execFileSync("prometheus", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
