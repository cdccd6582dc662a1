// pytest inside Pyodide 314: `node tests/pyodide/run.mjs ARGS` runs `pytest ARGS` there with the
// asyncio plugin beside this file, and exits with pytest's code.
import { boot } from "./boot.mjs";

try {
  const { pyodide } = await boot();
  const main = pyodide.runPython(`
import sys
sys.path.insert(0, "/repo/tests/pyodide")
import pytest

def main(args):
    return int(pytest.main(["-p", "pyodide_asyncio", "-p", "no:cacheprovider", *args]))
main
`);
  // Entered through callPromising, so `run_sync` can suspend the WebAssembly stack (JSPI).
  process.exitCode = await main.callPromising(pyodide.toPy(process.argv.slice(2)));
} catch (error) {
  // Node would print the minified line of Pyodide's module it was thrown from; the message (a
  // Python traceback, for errors from Python) is what says what went wrong.
  console.error(error?.message ?? error);
  process.exitCode = 3;
}
// Exit now, with pytest's code: Node would otherwise stay up until the last timer Pyodide's event
// loop left behind fires (asyncio does not clear a cancelled one: up to ~10 s of a processor
// call's timeout), printing nothing.
process.exit(process.exitCode);
