// The operator's token and the calls made with it. The token stays in this tab's
// sessionStorage and goes out only in the Authorization header: never in a link or the address.
import { call } from "../js/api.js";
import { say } from "./dom.js";

const TOKEN_KEY = "onecash.operator-token";
let onRefused = () => {};

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keep(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** What to do when the API refuses the token (the sign-in screen, with why). */
export function whenRefused(handler) {
  onRefused = handler;
}

export async function api(path, { headers = {}, ...options } = {}) {
  const answer = await call(path, { ...options, headers: { Authorization: `Bearer ${token()}`, ...headers } });
  return options.raw ? answer : { data: answer.data, etag: answer.headers.get("ETag") };
}

/** An error said to the operator; a refused token signs them out. */
export function failed(error) {
  if (error.status === 401) {
    forget();
    onRefused("That operator token was refused. Paste a valid one.");
    return;
  }
  // The API answers 429 only to a wrong token (a right one is always let in), once this address
  // has sent too many: the token is dropped as on a 401, and the wait is said.
  if (error.status === 429) {
    forget();
    const minutes = Math.ceil((error.retryAfter ?? 600) / 60);
    onRefused(`That operator token was refused, and too many wrong ones came from this address: a valid one still works, another wrong one is refused for ${minutes} more minutes.`);
    return;
  }
  say(error.message);
}
