// The site's configuration. Production values; the local host serves its own /env.js in place of
// this file (its local API base, SANDBOX = true when PROCESSOR=sandbox, and the SUPPORT_* and
// OPERATOR_* values from its environment or .dev.vars). Empty: that link or name is left out,
// and `make deploy` refuses a site with no support contact (SUPPORT_EMAIL or SUPPORT_URL) or
// no OPERATOR_NAME (scripts/check_site_env.mjs).
export const API_BASE = "https://api.onncx.com";
export const SANDBOX = false;
// Where customers with a problem order go: shown with the order id filled in.
export const SUPPORT_EMAIL = "";
export const SUPPORT_URL = "";
// Who runs this exchange and under which law: shown on the terms page.
export const OPERATOR_NAME = "";
export const OPERATOR_JURISDICTION = "";
