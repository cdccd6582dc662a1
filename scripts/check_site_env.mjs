// `make deploy` runs this on pages/env.js before anything else, and stops the deploy when it
// fails. The payment page's problem screens and the terms page show SUPPORT_EMAIL, SUPPORT_URL
// and OPERATOR_NAME and silently leave out what is empty (pages/js/support.js, terms.js): a site
// shipped with them empty leaves a customer whose payment went wrong nobody to write to, and
// terms that name no one. The file is read by importing it, as the browser does, so what is
// checked is what the site will see.
//
//   node scripts/check_site_env.mjs [path/to/env.js]     exit 0: fit to deploy; 1: refused
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const file = resolve(process.argv[2] ?? "pages/env.js");
let env;
try {
  env = await import(pathToFileURL(file).href);
} catch (error) {
  console.error(`make deploy: ${file} does not load as a module: ${error.message}`);
  process.exit(1);
}
const value = (name) => (typeof env[name] === "string" ? env[name].trim() : "");

// The same tests the site applies before it shows a link (pages/js/support.js).
function webPage(text) {
  try {
    return ["https:", "http:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
const mailbox = (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text);

const refusals = [];
const email = value("SUPPORT_EMAIL");
const url = value("SUPPORT_URL");
if (email && !mailbox(email)) {
  refusals.push(`SUPPORT_EMAIL ${JSON.stringify(email)} is not an email address`);
}
if (url && !webPage(url)) {
  refusals.push(
    `SUPPORT_URL ${JSON.stringify(url)} is not an http(s) address: the site shows no link for it`,
  );
}
if (!email && !url) {
  refusals.push(
    "SUPPORT_EMAIL and SUPPORT_URL are both empty: a customer with a problem order would have " +
      "no one to contact",
  );
}
if (!value("OPERATOR_NAME")) {
  refusals.push("OPERATOR_NAME is empty: the terms page would name no operator");
}

if (refusals.length) {
  console.error(`make deploy: refusing to deploy the site, ${file}:`);
  for (const refusal of refusals) console.error(`  - ${refusal}`);
  console.error(
    "Set them in pages/env.js (README.md, Configuration) and run make deploy again.",
  );
  process.exit(1);
}
if (!value("OPERATOR_JURISDICTION")) {
  console.error(
    "make deploy: warning: OPERATOR_JURISDICTION is empty; the terms page names no governing law.",
  );
}
const contact = [email, url].filter(Boolean).join(" and ");
console.log(`${file}: support at ${contact}; operator ${value("OPERATOR_NAME")}.`);
