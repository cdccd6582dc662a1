// `make bench`, the edge part: CPU per request of each endpoint in Pyodide 314 through the real
// `workers` SDK, against CPython in-process and against the floor (a bare Python Worker answering
// a fixed Response through the same path), plus Pyodide's cold start and the Worker's import
// time. The measuring is bench/edge_cpu.py's; this script boots Pyodide, runs it there and on
// CPython (.venv, or $PYTHON), and prints the table. Run:
//   node --experimental-wasm-stack-switching bench/edge.mjs [--json]
// (JSPI, as for the Pyodide test tiers); --json also prints the raw figures.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

import { boot, ROOT } from "../tests/pyodide/boot.mjs";
import { table } from "./edge_table.mjs";

try {
  await main();
} catch (error) {
  // Node would print the minified line of Pyodide's module; the message is the Python traceback.
  console.error(error?.message ?? error);
  process.exitCode = 3;
}

async function main() {
  const started = performance.now();
  const { pyodide, timings } = await boot();
  const coldStartMs = performance.now() - started;
  const importMs = await imports(pyodide);

  const pyodideMain = pyodide.runPython("import bench.edge_cpu; bench.edge_cpu.pyodide_main");
  const edge = JSON.parse(await (await pyodideMain.callPromising()));
  const [inProcess, cpythonVersion] = cpython();

  const f = (ms, digits = 2) => ms.toFixed(digits);
  const lines = [
    `Pyodide ${pyodide.version} (Python 3.14) on Node ${process.versions.node}, the real workers ` +
      `SDK called as workerd calls it, binding stand-ins in the same process; CPython ` +
      `${cpythonVersion}, the core in-process. One request at a time, after a warm-up pass. CPU: ` +
      "mean ms of the thread running Python; wall: median ms.",
    "",
    ...table(edge, inProcess),
  ];
  lines.push(
    "",
    `Pyodide cold start (loadPyodide ${f(timings.startMs, 0)} ms + wheels ` +
      `${f(timings.wheelsMs, 0)} ms): ${f(coldStartMs, 0)} ms. Import (wall): pydantic ` +
      `${f(importMs.pydantic, 0)} ms, the workers SDK ${f(importMs.workers, 0)} ms, ` +
      `src/entry.py and the core ${f(importMs.entry, 0)} ms; the deploy snapshot runs these ` +
      "once, under the 1 s startup limit.",
  );
  console.log(lines.join("\n"));
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify({ edge, inProcess, coldStartMs, timings, importMs }));
  }
}

// The Worker's import, step by step, as the deploy snapshot runs it (runtime stand-ins first).
async function imports(pyodide) {
  const measure = pyodide.runPython(`
import sys, time
sys.path.insert(0, "/repo/tests/pyodide/edge")

def imports():
    import edge_runtime
    edge_runtime.install_runtime()
    took = {}
    for name in ("pydantic", "workers", "entry"):
        started = time.perf_counter()
        __import__(name)
        took[name] = (time.perf_counter() - started) * 1000
    return took
imports
`);
  return (await measure.callPromising()).toJs({ dict_converter: Object.fromEntries });
}

// The same requests on CPython: bench/edge_cpu.py run by the project's virtualenv.
function cpython() {
  const python = process.env.PYTHON ?? join(ROOT, ".venv/bin/python");
  const env = { ...process.env, PYTHONPATH: `${join(ROOT, "src")}:${ROOT}` };
  const run = spawnSync(python, ["-m", "bench.edge_cpu"], { cwd: ROOT, env, encoding: "utf8" });
  if (run.status !== 0) {
    throw new Error(`the CPython part failed (${python} -m bench.edge_cpu):\n${run.stderr}`);
  }
  const version = spawnSync(python, ["-c", "import sys; print(sys.version.split()[0])"], {
    encoding: "utf8",
  }).stdout.trim();
  return [JSON.parse(run.stdout.trim().split("\n").at(-1)), version];
}
