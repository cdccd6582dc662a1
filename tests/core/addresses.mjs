// The site's address checks (pages/js/addresses.js) and its vendored codecs over the shared
// vectors, for tests/core/test_addresses_js.py: `node tests/core/addresses.mjs < vectors.json`
// prints `answer(vectors)`; Pyodide, which runs inside Node already, imports this and calls it.
import { pathToFileURL } from "node:url";
import { checkAddress, checkExtraId, UnsupportedCurrency } from "../../pages/js/addresses.js";
import { keccak_256 } from "../../pages/vendor/noble-hashes/keccak.mjs";
import { bech32, bech32m } from "../../pages/vendor/scure-base/base.mjs";

async function judge(check, currency, value) {
  try {
    const { status, message } = await check(currency, value);
    return [status, message];
  } catch (error) {
    if (error instanceof UnsupportedCurrency) return ["unsupported", ""];
    throw error;
  }
}

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Verdicts for `addresses` and `extra_ids`, which Bech32 variant accepts each string of
 * `bech32_strings`, and the keccak256 of each message in `keccak_messages` (hex in, hex out). */
export async function answer(text) {
  const vectors = JSON.parse(text);
  const variants = (s) => [bech32, bech32m].map((codec) => codec.decodeUnsafe(s) !== undefined);
  const strings = Object.values(vectors.bech32_strings).flatMap((g) => [...g.valid, ...g.invalid]);
  const bytes = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
  const all = (entries, check, key) =>
    Promise.all(entries.map((e) => judge(check, e.currency, e[key])));
  return JSON.stringify({
    addresses: await all(vectors.addresses, checkAddress, "address"),
    extra_ids: await all(vectors.extra_ids, checkExtraId, "extra_id"),
    bech32_strings: strings.map(variants),
    keccak256: vectors.keccak_messages.map((h) => hex(keccak_256(bytes(h)))),
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => { input += chunk; });
  process.stdin.on("end", async () => process.stdout.write(await answer(input)));
}
