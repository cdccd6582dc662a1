// Payout addresses and destination tags checked as each network's wallets check them, with the
// verdicts and messages of the API's `orders.addresses` (src/orders/addresses/checks.py): every
// step below runs in the same order there, and tests/fixtures/addresses.json holds both to it.
// A verdict is { status: "ok" | "wrong_format" | "bad_checksum", message, ok }. `checkAddress`
// answers with a promise: Base58Check's SHA-256 is the browser's own (crypto.subtle, which
// needs https or localhost), which keeps noble's SHA-256 out of the site's weight.
import { base58, base58xrp, bech32, bech32m } from "../vendor/scure-base/base.mjs";
import { keccak_256 } from "../vendor/noble-hashes/keccak.mjs";

const BITCOIN_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const RIPPLE_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz";
const BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const HEX = "0123456789abcdefABCDEF";

const CHECKSUM = "This address's checksum does not match: check it for a typo.";
const NOT_THIS = "{name} addresses {shape}: this is not one.";
const NOT_ALNUM =
  "{name} addresses have only Latin letters and digits: remove spaces and other characters.";
const FOREIGN = "{name} addresses never contain “{char}”: check it for a typo.";
const TOO_SHORT = "This {name} address is too short: check that it is complete.";
const TOO_LONG = "This {name} address is too long: check that nothing was added to it.";
const MIXED_CASE =
  "This {name} address mixes capital and small letters: copy it again from your wallet.";
const MALFORMED = "This {name} address is not valid: copy it again from your wallet.";
const TEST_NETWORK =
  "This is a {name} test network address: payouts are sent on the main network only.";
const FUTURE =
  "This {name} address is of a kind no wallet uses yet: coins sent to it could not be spent.";
const X_ADDRESS =
  "This is an X-address: enter the classic XRP address (it starts with r) and the destination " +
  "tag instead.";
const NO_CHECKSUM =
  "{name} addresses have no checksum: compare it with your wallet, character by character.";
const ONE_CASE =
  "This address has no checksum (its letters are all one case): compare it with your wallet, " +
  "character by character.";
const TAG = "A destination tag is a whole number from 0 to 4294967295.";
const NO_TAG = "{name} payouts take no memo or tag.";

const SIZE = 25; // Base58Check: a version byte, a 20-byte hash and a 4-byte checksum
const CHARS = 35; // the most digits 25 bytes take: longer is refused before decoding

const BITCOIN = { name: "Bitcoin", family: "base58check", shape: "start with 1, 3 or bc1",
  prefixes: "13", versions: [0, 5], hrp: "bc", testVersions: [0x6f, 0xc4],
  testHrps: ["tb", "bcrt"] };
// Litecoin's wallets still pay to its old 3… P2SH form (version 5, Bitcoin's).
const LITECOIN = { name: "Litecoin", family: "base58check", shape: "start with L, M, 3 or ltc1",
  prefixes: "LM3", versions: [0x30, 0x32, 5], hrp: "ltc", testVersions: [0x6f, 0x3a, 0xc4],
  testHrps: ["tltc", "rltc"] };
const TRON = { name: "TRON", family: "base58check",
  shape: "start with T and are 34 characters long", prefixes: "T", versions: [0x41] };
const XRP = { name: "XRP", family: "base58check",
  shape: "start with r and are 25 to 35 characters long", alphabet: RIPPLE_ALPHABET,
  codec: base58xrp, prefixes: "r", versions: [0], tag: true };
const ETHEREUM = { name: "Ethereum", family: "ethereum",
  shape: "are 0x followed by 40 hexadecimal characters" };
const SOLANA = { name: "Solana", family: "solana",
  shape: "are 32 to 44 letters and digits of Base58" };

// The processor's tickers; a token pays out to an address of the chain it lives on. A Map, so
// that "constructor" or "__proto__" is no currency.
const CURRENCIES = new Map([
  ["btc", BITCOIN], ["ltc", LITECOIN], ["eth", ETHEREUM], ["usdterc20", ETHEREUM],
  ["trx", TRON], ["usdttrc20", TRON], ["xrp", XRP], ["sol", SOLANA],
]);

/** No rules for this currency code: the caller falls back to the processor's pattern. */
export class UnsupportedCurrency extends Error {}

export const supports = (currency) => CURRENCIES.has(currency);

const verdict = (status, message = "") => Object.freeze({ status, message, ok: status === "ok" });
const OK = verdict("ok");
const fill = (template, network, char = "") => template
  .replace("{name}", () => network.name)
  .replace("{shape}", () => network.shape)
  .replace("{char}", () => char);
const wrong = (template, network, char) => verdict("wrong_format", fill(template, network, char));
const badChecksum = () => verdict("bad_checksum", CHECKSUM);
const firstForeign = (text, alphabet) => [...text].find((c) => !alphabet.includes(c));
const alphabetOf = (network) => network.alphabet ?? BITCOIN_ALPHABET;
const decode58 = (network, text) => (network.codec ?? base58).decode(text);

function networkOf(currency) {
  const network = CURRENCIES.get(currency);
  if (!network) throw new UnsupportedCurrency(String(currency));
  return network;
}

/** The verdict on `address` as a payout address for `currency` (a ticker such as "btc"). */
export async function checkAddress(currency, address) {
  const network = networkOf(currency);
  if (!address) return wrong(NOT_THIS, network);
  if (!/^[0-9A-Za-z]+$/.test(address)) return wrong(NOT_ALNUM, network);
  if (network.family === "ethereum") return ethereum(network, address);
  if (network.family === "solana") return solana(network, address);
  return bitcoinLike(network, address);
}

/** The verdict on a destination tag; XRP's is an unsigned 32-bit number. */
export function checkExtraId(currency, extraId) {
  const network = networkOf(currency);
  if (!network.tag) return wrong(NO_TAG, network);
  if (/^[0-9]{1,10}$/.test(extraId) && Number(extraId) <= 0xffffffff) return OK;
  return verdict("wrong_format", TAG);
}

async function bitcoinLike(network, address) {
  const lowered = address.toLowerCase();
  if (network.hrp && lowered.startsWith(`${network.hrp}1`)) return segwit(network, address);
  if ((network.testHrps ?? []).some((hrp) => lowered.startsWith(`${hrp}1`))) {
    return wrong(TEST_NETWORK, network);
  }
  if (!network.prefixes.includes(address[0])) return elsewhere(network, address);
  const foreign = firstForeign(address, alphabetOf(network));
  if (foreign) return wrong(FOREIGN, network, foreign);
  if (address.length > CHARS) return wrong(TOO_LONG, network);
  const raw = decode58(network, address);
  if (raw.length !== SIZE) return wrong(raw.length < SIZE ? TOO_SHORT : TOO_LONG, network);
  if (!network.versions.includes(raw[0])) return wrong(NOT_THIS, network);
  if (!(await checksumOk(raw))) return badChecksum();
  return OK;
}

const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

async function checksumOk(raw) {
  const sum = (await sha256(await sha256(raw.subarray(0, -4)))).subarray(0, 4);
  return sum.every((byte, i) => byte === raw[raw.length - 4 + i]);
}

// A string that does not start like this network's addresses: say what it is if we can.
function elsewhere(network, address) {
  if (network === XRP && address.startsWith("X") && address.length === 47) {
    return verdict("wrong_format", X_ADDRESS);
  }
  const plausible = address.length <= CHARS && !firstForeign(address, alphabetOf(network));
  if (network.testVersions && plausible) {
    const raw = decode58(network, address);
    if (raw.length === SIZE && network.testVersions.includes(raw[0])) {
      return wrong(TEST_NETWORK, network);
    }
  }
  return wrong(NOT_THIS, network);
}

function segwit(network, address) {
  const data = address.slice(network.hrp.length + 1);
  if (address.length > 90) return wrong(TOO_LONG, network);
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) {
    return wrong(MIXED_CASE, network);
  }
  // A "1", "b", "i" or "o" typed into the data is named, not taken for a broken checksum.
  const foreign = [...data].find((c) => !BECH32_CHARSET.includes(c.toLowerCase()));
  if (foreign) return wrong(FOREIGN, network, foreign);
  if (data.length < 7) return wrong(TOO_SHORT, network); // a witness version and the checksum
  const lowered = address.toLowerCase();
  const plain = bech32.decodeUnsafe(lowered);
  const decoded = plain ?? bech32m.decodeUnsafe(lowered);
  if (!decoded) return badChecksum();
  const [version, ...rest] = decoded.words;
  if (version > 16) return wrong(MALFORMED, network);
  // BIP-350: version 0 takes a Bech32 checksum, versions 1 to 16 a Bech32m one.
  if ((version === 0) !== Boolean(plain)) return badChecksum();
  const program = bech32.fromWordsUnsafe(rest);
  if (!program) return wrong(MALFORMED, network);
  const size = program.length;
  if (size < 2 || size > 40 || (version === 0 && size !== 20 && size !== 32)) {
    return wrong(MALFORMED, network);
  }
  // Other versions and v1 lengths are valid to BIP-350 but no wallet can spend them yet.
  if (version === 0 || (version === 1 && size === 32)) return OK;
  return wrong(FUTURE, network);
}

function ethereum(network, address) {
  if (!address.startsWith("0x")) return wrong(NOT_THIS, network);
  const digits = address.slice(2);
  const foreign = firstForeign(digits, HEX);
  if (foreign) return wrong(FOREIGN, network, foreign);
  if (digits.length !== 40) return wrong(digits.length < 40 ? TOO_SHORT : TOO_LONG, network);
  const lower = digits.toLowerCase();
  if (digits === lower || digits === digits.toUpperCase()) return verdict("ok", ONE_CASE);
  return eip55(lower) === address ? OK : badChecksum();
}

/** EIP-55: each hex letter capitalised where the matching nibble of keccak256(hex) is 8 or more. */
export function eip55(lowerHex) {
  const hash = keccak_256(new TextEncoder().encode(lowerHex));
  const nibble = (i) => (hash[i >> 1] >> (i % 2 ? 0 : 4)) & 15;
  return `0x${[...lowerHex].map((c, i) => (nibble(i) >= 8 ? c.toUpperCase() : c)).join("")}`;
}

function solana(network, address) {
  // Any 32 bytes encode to 32 to 44 digits; fewer or more cannot be an address.
  if (address.length < 32) return wrong(TOO_SHORT, network);
  if (address.length > 44) return wrong(TOO_LONG, network);
  const foreign = firstForeign(address, BITCOIN_ALPHABET);
  if (foreign) return wrong(FOREIGN, network, foreign);
  if (base58.decode(address).length !== 32) return wrong(MALFORMED, network);
  return verdict("ok", fill(NO_CHECKSUM, network));
}
