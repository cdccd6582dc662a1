// Where the API lives. Production values; the local host serves its own /env.js in place of
// this file (its local API base, and SANDBOX = true when PROCESSOR=sandbox).
export const API_BASE = "https://api.onncx.com";
export const SANDBOX = false;
