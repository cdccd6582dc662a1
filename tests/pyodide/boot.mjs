// Starts Pyodide 314 under Node, offline: the runtime from the npm package `pyodide`, the wheels
// from the folder the Makefile fills (tests/pyodide/requirements.txt), the repository mounted at
// /repo with src/ and the repository root on sys.path, as in the CPython tiers.
//
// Async Python that must finish inside a synchronous call (pytest running an `async def` test)
// needs JSPI, and Python entered through `callPromising` (run.mjs does). Node 22 has JSPI behind the V8 flag
// --experimental-wasm-stack-switching, which must be on Node's command line (the Makefile's
// $(NODE_JSPI)): set later from JavaScript, it comes too late for the WebAssembly global.
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WHEELS = process.env.PYODIDE_WHEELS ?? join(ROOT, ".cache/pyodide-wheels");

import { loadPyodide } from "pyodide";

export async function boot({ wheels = WHEELS } = {}) {
  const started = performance.now();
  const pyodide = await loadPyodide({ env: { PYTHONHASHSEED: "0" } });
  const loaded = performance.now();
  // pytest writes progress dots without a newline: pass bytes through as they come.
  const write = (stream) => ({ write: (bytes) => (stream.write(bytes), bytes.length) });
  pyodide.setStdout(write(process.stdout));
  pyodide.setStderr(write(process.stderr));
  const files = readdirSync(wheels).filter((name) => name.endsWith(".whl"));
  if (files.length === 0) throw new Error(`no wheels in ${wheels}: run the Makefile's install`);
  await pyodide.loadPackage(
    files.map((name) => `file://${join(wheels, name)}`),
    { messageCallback: () => {}, errorCallback: (message) => console.error(message) },
  );
  pyodide.FS.mkdirTree("/repo");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: ROOT }, "/repo");
  // Python imports the repository's own ES modules (the edge tier's binding stand-ins) with
  // `from _repo_js import load; await load("tests/pyodide/edge/standins.mjs")`.
  pyodide.registerJsModule("_repo_js", {
    root: ROOT,
    load: (path) => import(pathToFileURL(join(ROOT, path)).href),
  });
  pyodide.runPython(`
import os, sys
os.chdir("/repo")
sys.path[:0] = ["/repo/src", "/repo"]
sys.dont_write_bytecode = True  # the mounted tree is the developer's: leave no __pycache__
`);
  return {
    pyodide,
    timings: { startMs: loaded - started, wheelsMs: performance.now() - loaded },
  };
}
