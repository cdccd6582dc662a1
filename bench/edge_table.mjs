// The table `make bench` prints for the edge (bench/edge.mjs measures, this lays it out), apart so
// that tests/edge/test_bench_table.py can hold its presentation to fixed figures without a run.

// The Workers CPU limit per invocation: a request with the waitUntil work it hands on, or a cron
// run. Free: 10 ms. Paid: 30 s unless `limits.cpu_ms` in wrangler.toml raises it (to 5 min).
export const FREE_PLAN_CPU_MS = 10;
export const PAID_PLAN_CPU_MS = 30_000;

const f = (ms, digits = 2) => ms.toFixed(digits);

// What the limit counts, as a share of the Free plan's 10 ms: over 100 % does not fit there.
// A share reads the same on either side of the limit; a margin (10 ms less it) turns negative.
export const freePlanShare = (ms) =>
  `${f((100 * ms) / FREE_PLAN_CPU_MS, 0)} %${ms > FREE_PLAN_CPU_MS ? " over" : ""}`;

/**
 * The table's lines and the note under it. `edge` is bench/edge_cpu.py's Pyodide figures
 * (`floor`, `cold_floor`, and per endpoint in `figures` and `cold`), `inProcess` its CPython
 * ones (`cpu` per endpoint), all in ms.
 */
export function table(edge, inProcess) {
  const lines = [
    "| endpoint | Pyodide CPU | × floor | + waitUntil CPU | invocation CPU | Pyodide wall | " +
      "first pass CPU | CPython CPU | Pyodide ÷ CPython | of the Free plan's 10 ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| floor: bare WorkerEntrypoint, fixed Response | ${f(edge.floor.cpu)} | 1.00 | – | ` +
      `${f(edge.floor.cpu)} | ${f(edge.floor.wall)} | ${f(edge.cold_floor.cpu)} | – | – | ` +
      `${freePlanShare(edge.floor.cpu)} |`,
  ];
  let most = ["floor", edge.floor.cpu];
  for (const [name, { cpu, wall, background }] of Object.entries(edge.figures)) {
    const cp = inProcess[name].cpu;
    const invocation = cpu + background; // the limit counts waitUntil work too
    if (invocation > most[1]) most = [name, invocation];
    lines.push(
      `| ${name} | ${f(cpu)} | ${f(cpu / edge.floor.cpu)} | ` +
        `${background >= 0.005 ? f(background) : "–"} | ${f(invocation)} | ${f(wall)} | ` +
        `${f(edge.cold[name].cpu)} | ${f(cp)} | ${f(cpu / cp, 0)}× | ` +
        `${freePlanShare(invocation)} |`,
    );
  }
  lines.push(
    "",
    "invocation CPU: the request's CPU and its waitUntil work's (the webhook delivery after a " +
      "change), which the Workers CPU limit counts together. The last column is that as a share " +
      `of the Free plan's limit, ${FREE_PLAN_CPU_MS} ms per invocation: "over" does not fit the ` +
      `Free plan. The Paid plan allows ${PAID_PLAN_CPU_MS / 1000} s by default; the most here, ` +
      `${most[0]} at ${f(most[1])} ms, is ${f((100 * most[1]) / PAID_PLAN_CPU_MS, 1)} % of it. ` +
      "Means over many requests: single ones vary more (Pyodide's CPU clock ticks in 4 ms).",
  );
  return lines;
}
