// JavaScript stand-ins for what workerd gives a Python Worker, for the edge tier: the D1, KV and
// rate-limit bindings, the global `fetch`, the ExecutionContext and ScheduledController, the two
// modules workerd registers for the `workers` SDK, and a driver that calls the Worker's entrypoint
// class the way workerd's python-entrypoint-helper does (constructor with (ctx, env), then the
// handler through a Python wrapper that converts arguments and result over "RPC").
//
// The stand-ins keep the rules of the real bindings where a Python Worker can break them: D1 binds
// only null, numbers, strings, booleans and bytes (a Python object or `undefined` is refused with
// D1's own error text), `batch` is one transaction, KV refuses a TTL under 60 s and non-text
// values, and `fetch` honours its AbortSignal. They are classes named like the runtime's (the SDK
// picks its binding wrappers by constructor name). Error texts are D1's and KV's where known.

// node:sqlite announces itself on every start as experimental; the tier has nothing to say
// about that, so that one warning is kept out of the output (every other warning still shows).
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning?.message ?? warning).startsWith("SQLite is an experimental")) return;
  return emitWarning.call(this, warning, ...rest);
};
const { DatabaseSync } = await import("node:sqlite");
process.emitWarning = emitWarning;

// CPU time of this thread (where Pyodide runs), in ms; Node's process.cpuUsage() where Node has
// no per-thread figure. It comes in scheduler ticks (4 ms here): only a sum over many calls
// means much, but other processes on the machine do not inflate it as they do wall time.
export function threadCpuMs() {
  const { user, system } = process.threadCpuUsage?.() ?? process.cpuUsage();
  return (user + system) / 1000;
}

// --- a clock the tests move ---------------------------------------------------------------------

export class Clock {
  constructor(ms = Date.UTC(2026, 10, 26, 12, 0, 0)) {
    this.ms = ms;
  }
  now() {
    return this.ms;
  }
  advance(seconds) {
    this.ms += seconds * 1000;
  }
}

// --- D1 ------------------------------------------------------------------------------------------

const SQLITE_CODES = { 1: "ERROR", 5: "BUSY", 18: "TOOBIG", 19: "CONSTRAINT", 20: "MISMATCH",
  25: "RANGE" };
const MAX_BOUND = 100; // D1: at most 100 bound parameters per statement
const MAX_SQL_BYTES = 100_000; // D1: 100 KB per statement

function d1Error(error) {
  // D1 reports SQLite's message with the primary result code appended.
  const code = SQLITE_CODES[(error.errcode ?? 1) & 0xff] ?? "ERROR";
  return new Error(`D1_ERROR: ${error.message}: SQLITE_${code}`, { cause: error });
}

// What D1's `bind` accepts, converted as D1 converts it; anything else is refused, as by D1.
function boundValue(value) {
  const type = typeof value;
  if (type === "number" || type === "string") return value;
  if (type === "boolean") return value ? 1 : 0;
  if (type === "object") {
    if (value === null) return null;
    if (Array.isArray(value) && value.every((b) => typeof b === "number" && b >= 0 && b < 256)) {
      return value;
    }
    if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
    if (ArrayBuffer.isView(value)) return Array.from(value);
  }
  throw new Error(`D1_TYPE_ERROR: Type '${type}' not supported for value '${value}'`, {
    cause: new Error(`Type '${type}' not supported for value '${value}'`),
  });
}

export class D1Database {
  constructor({ schema = "", clock = null } = {}) {
    this.sqlite = new DatabaseSync(":memory:");
    this.sqlite.exec("PRAGMA foreign_keys = ON"); // D1 enforces foreign keys
    if (schema) this.sqlite.exec(schema);
    this.available = true; // off: every call fails as D1 does when it cannot be reached
    this.trips = 0; // round trips made (each first/all/run/raw/batch is one)
    this.statements = []; // [sql, params] of every statement run, for tests to look at
  }

  prepare(sql) {
    if (typeof sql !== "string") throw new TypeError("D1 prepare() takes an SQL string");
    return new D1PreparedStatement(this, sql, []);
  }

  async batch(statements) {
    if (!Array.isArray(statements) || !statements.every((s) => s instanceof D1PreparedStatement)) {
      throw new TypeError("D1 batch() takes an array of D1PreparedStatement");
    }
    await this.roundTrip();
    // One transaction: a failing statement leaves nothing of the batch behind.
    this.sqlite.exec("BEGIN IMMEDIATE");
    try {
      const results = statements.map((s) => this.execute(s.statement, s.params));
      this.sqlite.exec("COMMIT");
      return results;
    } catch (error) {
      this.sqlite.exec("ROLLBACK");
      throw error;
    }
  }

  async exec(sql) {
    await this.roundTrip();
    this.sqlite.exec(sql);
    return { count: sql.split(";").filter((s) => s.trim()).length, duration: 0 };
  }

  // Every call is a network hop in D1: other work runs meanwhile (one macrotask here).
  async roundTrip() {
    this.trips += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.available) throw new Error("D1_ERROR: Network connection lost.");
  }

  execute(sql, params) {
    if (/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(sql)) {
      // D1 runs each batch as its own transaction and refuses SQL that manages one itself.
      throw new Error("D1_ERROR: transaction statements are not allowed in D1 (use batch())");
    }
    if (params.length > MAX_BOUND) {
      throw new Error("D1_ERROR: too many SQL variables: SQLITE_ERROR");
    }
    if (Buffer.byteLength(sql) > MAX_SQL_BYTES) {
      throw new Error("D1_ERROR: statement too long: SQLITE_TOOBIG");
    }
    this.statements.push([sql, params]);
    const started = performance.now();
    const before = this.changes();
    let rows = [];
    try {
      const statement = this.sqlite.prepare(sql);
      const args = params.map((p) => (Array.isArray(p) ? new Uint8Array(p) : p));
      if (statement.columns().length > 0) {
        // D1 hands rows over as plain objects; blobs as arrays of byte values.
        rows = statement.all(...args).map((row) => {
          const plain = {};
          for (const [k, v] of Object.entries(row)) plain[k] = v instanceof Uint8Array ? [...v] : v;
          return plain;
        });
      } else {
        statement.run(...args);
      }
    } catch (error) {
      throw d1Error(error);
    }
    const changes = this.changes() - before;
    const lastRowId = Number(
      this.sqlite.prepare("SELECT last_insert_rowid() AS id").get().id,
    );
    return {
      success: true,
      results: rows,
      meta: {
        served_by: "edge-tier-standin",
        duration: performance.now() - started,
        changes,
        last_row_id: lastRowId,
        changed_db: changes > 0,
        size_after: 0,
        rows_read: rows.length,
        rows_written: changes,
      },
    };
  }

  changes() {
    return Number(this.sqlite.prepare("SELECT total_changes() AS n").get().n);
  }

  // For tests: read the database directly, without a round trip.
  query(sql, ...params) {
    return this.sqlite.prepare(sql).all(...params).map((row) => ({ ...row }));
  }

  close() {
    this.sqlite.close();
  }
}

export class D1PreparedStatement {
  constructor(db, statement, params) {
    this.db = db;
    this.statement = statement;
    this.params = params;
  }

  bind(...values) {
    return new D1PreparedStatement(this.db, this.statement, values.map(boundValue));
  }

  async first(column) {
    const result = await this.one();
    const row = result.results[0];
    if (row === undefined) return null;
    if (column === undefined) return row;
    if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
    return row[column];
  }

  async all() {
    return await this.one();
  }

  async run() {
    return await this.one();
  }

  async raw({ columnNames = false } = {}) {
    const { results } = await this.one();
    const rows = results.map((row) => Object.values(row));
    return columnNames && results.length ? [Object.keys(results[0]), ...rows] : rows;
  }

  async one() {
    await this.db.roundTrip();
    return this.db.execute(this.statement, this.params);
  }
}

// --- KV ------------------------------------------------------------------------------------------

export class KvNamespace {
  constructor({ clock = new Clock() } = {}) {
    this.clock = clock;
    this.entries = new Map(); // key -> { value: string | Uint8Array, expiresAt: ms | null }
  }

  static checkKey(method, key) {
    if (typeof key !== "string") throw new TypeError(`KV ${method}: the key must be a string`);
    if (key === "") throw new TypeError("Key name cannot be empty.");
    if (key === "." || key === "..") throw new TypeError(`"${key}" is not allowed as a key name.`);
    const size = Buffer.byteLength(key);
    if (size > 512) {
      throw new Error(
        `KV ${method} failed: 414 UTF-8 encoded length of ${size} exceeds key length limit of 512.`,
      );
    }
  }

  live(key) {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async get(key, options) {
    KvNamespace.checkKey("GET", key);
    const type = (typeof options === "string" ? options : options?.type) ?? "text";
    if (!["text", "json", "arrayBuffer", "stream"].includes(type)) {
      throw new TypeError(
        'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".',
      );
    }
    await Promise.resolve();
    const entry = this.live(key);
    if (entry === undefined) return null;
    const bytes =
      typeof entry.value === "string" ? new TextEncoder().encode(entry.value) : entry.value;
    if (type === "arrayBuffer") return bytes.slice().buffer;
    if (type === "stream") return new Response(bytes).body;
    const text = new TextDecoder().decode(bytes);
    return type === "json" ? JSON.parse(text) : text;
  }

  async put(key, value, options = {}) {
    KvNamespace.checkKey("PUT", key);
    let stored;
    if (typeof value === "string") stored = value;
    else if (value instanceof ArrayBuffer) stored = new Uint8Array(value.slice(0));
    else if (ArrayBuffer.isView(value)) stored = new Uint8Array(value.buffer.slice(0));
    else {
      throw new TypeError(
        "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as " +
          "values.",
      );
    }
    const { expiration, expirationTtl } = options ?? {};
    let expiresAt = null;
    if (expirationTtl !== undefined) {
      if (typeof expirationTtl !== "number" || !(expirationTtl >= 60)) {
        throw new Error(
          `KV PUT failed: 400 Invalid expiration_ttl of ${expirationTtl}. ` +
            "Expiration TTL must be at least 60.",
        );
      }
      expiresAt = this.clock.now() + expirationTtl * 1000;
    } else if (expiration !== undefined) {
      if (typeof expiration !== "number" || expiration * 1000 < this.clock.now() + 60_000) {
        throw new Error(
          `KV PUT failed: 400 Invalid expiration of ${expiration}. ` +
            "Expiration times must be at least 60 seconds in the future.",
        );
      }
      expiresAt = expiration * 1000;
    }
    await Promise.resolve();
    this.entries.set(key, { value: stored, expiresAt });
  }

  async delete(key) {
    KvNamespace.checkKey("DELETE", key);
    await Promise.resolve();
    this.entries.delete(key);
  }

  async list({ prefix = "", limit = 1000 } = {}) {
    await Promise.resolve();
    const names = [...this.entries.keys()]
      .filter((k) => k.startsWith(prefix) && this.live(k) !== undefined)
      .sort()
      .slice(0, limit);
    const keys = names.map((name) => {
      const { expiresAt } = this.entries.get(name);
      return expiresAt === null ? { name } : { name, expiration: Math.floor(expiresAt / 1000) };
    });
    return { keys, list_complete: true, cacheStatus: null };
  }
}

// --- [[ratelimits]] ------------------------------------------------------------------------------

export class Ratelimit {
  constructor({ limit, period = 60, clock = new Clock() }) {
    if (period !== 10 && period !== 60) throw new Error("ratelimit period must be 10 or 60");
    this.limitPerPeriod = limit;
    this.period = period;
    this.clock = clock;
    this.windows = new Map(); // key -> { start, count }
    this.keys = []; // every key asked about, in order
  }

  async limit(options) {
    if (options === null || typeof options !== "object" || typeof options.key !== "string") {
      throw new TypeError("limit() takes an object with a string `key`");
    }
    this.keys.push(options.key);
    await Promise.resolve();
    const start = Math.floor(this.clock.now() / (this.period * 1000));
    const window = this.windows.get(options.key);
    const current = window?.start === start ? window : { start, count: 0 };
    current.count += 1;
    this.windows.set(options.key, current);
    return { success: current.count <= this.limitPerPeriod };
  }
}

// --- a large upload ------------------------------------------------------------------------------

// A request body as a stream of `chunks` chunks of `size` bytes, counting how many were pulled:
// what a client's large (or endless) upload looks like to the Worker.
export function upload({ size = 64 * 1024, chunks = 320 } = {}) {
  const counter = { pulled: 0 };
  counter.stream = new ReadableStream({
    pull(controller) {
      counter.pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(0x20));
      if (counter.pulled >= chunks) controller.close();
    },
  });
  return counter;
}

// --- outbound fetch ------------------------------------------------------------------------------

// What a test tells the network to do with a request.
export const HANG = Symbol("hang"); // never answer: only the caller's AbortSignal ends it

function asResponse(answer) {
  if (answer instanceof Response) return answer;
  const { status = 200, headers = {}, body = null } = answer ?? {};
  return new Response(body, { status, headers });
}

export class Network {
  constructor() {
    this.requests = []; // one record per fetch, in order
    this.handler = null; // (record) => Response | {status, headers, body} | HANG | Promise of one
    this.cpuMs = 0; // CPU spent answering (the remote server's work, which the bench leaves out)
  }

  answer(handler) {
    this.handler = handler;
  }

  // The global fetch's signature: fetch(resource, init).
  async fetch(resource, init = undefined) {
    // The same checks a real fetch makes (a GET with a body, a bad URL, … are TypeErrors).
    const request = new Request(resource, init);
    const signal = init?.signal ?? request.signal;
    const record = {
      url: request.url,
      method: request.method,
      headers: Object.fromEntries(request.headers),
      redirect: request.redirect,
      body: request.body ? new Uint8Array(await request.arrayBuffer()) : null,
      aborted: false,
      abortReason: undefined,
    };
    this.requests.push(record);
    signal?.throwIfAborted();
    const aborted = new Promise((_, reject) => {
      signal?.addEventListener(
        "abort",
        () => {
          record.aborted = true;
          record.abortReason = signal.reason;
          reject(signal.reason);
        },
        { once: true },
      );
    });
    const answered = (async () => {
      const started = threadCpuMs();
      try {
        const answer = this.handler ? await this.handler(record) : null;
        return answer === HANG ? new Promise(() => {}) : answer;
      } finally {
        this.cpuMs += threadCpuMs() - started;
      }
    })();
    return asResponse(await Promise.race([answered, aborted]));
  }
}

// The runtime's global fetch, installed once; it forwards to whichever Network is current, so
// that `from js import fetch` (bound once, when pyodide.http is imported) reaches each test's.
let currentNetwork = new Network();
export function useNetwork(network) {
  currentNetwork = network;
  return network;
}
export function installGlobalFetch() {
  globalThis.fetch = function fetch(resource, init) {
    return currentNetwork.fetch(resource, init);
  };
  return globalThis.fetch;
}

// --- the ExecutionContext and the ScheduledController --------------------------------------------

export class ExecutionContext {
  constructor() {
    this.waiting = []; // what waitUntil was given
    this.props = {};
  }

  get [Symbol.toStringTag]() {
    return "ExecutionContext"; // what workerd's patchWaitUntil recognises
  }

  waitUntil(promise) {
    // A promise that rejects is logged by workerd, never thrown at the handler: kept here.
    this.waiting.push(Promise.resolve(promise));
  }

  passThroughOnException() {}

  // Runs everything handed to waitUntil (and what that hands on) to the end; their errors.
  async settle() {
    const errors = [];
    for (let done = 0; done < this.waiting.length; ) {
      const batch = this.waiting.slice(done);
      done = this.waiting.length;
      for (const outcome of await Promise.allSettled(batch)) {
        if (outcome.status === "rejected") errors.push(outcome.reason);
      }
    }
    return errors;
  }
}

export class ScheduledController {
  constructor({ scheduledTime, cron }) {
    this.scheduledTime = scheduledTime;
    this.cron = cron;
    this.retry = true;
  }

  noRetry() {
    this.retry = false;
  }
}

// --- the modules workerd registers for the `workers` SDK -----------------------------------------

// Compatibility flags as compatibility_date 2026-09-08 sets them, for the ones the SDK reads.
export const COMPATIBILITY_FLAGS = {
  python_workers: true,
  python_request_headers_preserve_commas: true, // from 2026-02-17
  python_workflows_implicit_dependencies: true, // from 2026-02-25
  enable_python_external_sdk: true, // from 2026-04-21: the SDK is the vendored package
};

const patchedContexts = new WeakSet();

// workerd's ctx.waitUntil takes a promise; Python hands it a coroutine, which reaches JavaScript
// as a proxy that Pyodide destroys when the call returns. workerd therefore replaces waitUntil on
// each ExecutionContext with one that keeps its own copy of the proxy until it has settled.
function patchWaitUntil(ctx) {
  if (Object.prototype.toString.call(ctx) !== "[object ExecutionContext]") return;
  if (patchedContexts.has(ctx)) return;
  const original = ctx.waitUntil.bind(ctx);
  ctx.waitUntil = (awaitable) => {
    const owned = typeof awaitable?.copy === "function" ? awaitable.copy() : awaitable;
    original(
      (async () => {
        try {
          await owned;
        } finally {
          owned?.destroy?.();
        }
      })(),
    );
  };
  patchedContexts.add(ctx);
}

export function entrypointHelper({ env = {} } = {}) {
  return {
    patchWaitUntil,
    cloudflareWorkersModule: { env, waitUntil: () => {} },
    cloudflareSocketsModule: {},
    doAnImport: async (name) => {
      throw new Error(`the edge tier provides no JavaScript module ${name}`);
    },
  };
}

// --- the driver: the Worker called as workerd calls a Python entrypoint class --------------------

// How python-entrypoint-helper enters Python: a promising call (so the handler may suspend with
// JSPI), relaxed only for `fetch`.
function pyCall(callable, relaxed, args) {
  return callable.callWithOptions({ relaxed, promising: true }, ...args);
}

async function timed(call) {
  const [wall, cpu] = [performance.now(), threadCpuMs()];
  const result = await call();
  return [performance.now() - wall, threadCpuMs() - cpu, result];
}

export class Workerd {
  // entrypoint: the Python class (e.g. `Default`); callHandler: the Python function that
  // converts a handler's arguments and result as workerd's introspection wrapper does.
  constructor({ entrypoint, callHandler }) {
    this.entrypoint = entrypoint;
    this.callHandler = callHandler;
  }

  // workerd builds a fresh instance of the class for every event, with (ctx, env).
  async instance(env, ctx) {
    return await pyCall(this.entrypoint, false, [ctx, env]);
  }

  async fetch(request, env, ctx) {
    const instance = await this.instance(env, ctx);
    try {
      return await pyCall(this.callHandler, false, [true, instance, "fetch", request]);
    } finally {
      instance.destroy();
    }
  }

  // For the bench: the same calls, with what they took: [wall ms, CPU ms of this thread, result].
  async timedFetch(request, env, ctx) {
    return await timed(() => this.fetch(request, env, ctx));
  }

  async timedScheduled(controller, env, ctx) {
    return await timed(() => this.scheduled(controller, env, ctx));
  }

  // workerd hands an entrypoint class's scheduled() (controller, env, ctx) with env and ctx left
  // undefined (they were given to the constructor); `args` lets a test hand fewer.
  async scheduled(controller, env, ctx, { args = [controller, undefined, undefined] } = {}) {
    const instance = await this.instance(env, ctx);
    try {
      return await pyCall(this.callHandler, false, [false, instance, "scheduled", ...args]);
    } finally {
      instance.destroy();
    }
  }
}

// --- timers left behind --------------------------------------------------------------------------

// Pyodide's event loop runs asyncio's timers on setTimeout and does not clear one when its handle
// is cancelled: every `asyncio.wait_for` that finished early leaves a timer behind (10 s for a
// processor call), and Node would not exit before the last one fired. Timers are made through this
// wrapper of Pyodide's scheduleCallback; once pytest is done, those still pending are cleared.
const pendingTimers = new Set();

export function trackTimers(scheduleCallback) {
  return (callback, ms = 0) => {
    if (ms <= 2) return scheduleCallback(callback, ms); // Pyodide's own fast path for "soon"
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      callback();
    }, ms);
    pendingTimers.add(timer);
  };
}

export function clearTimers() {
  for (const timer of pendingTimers) clearTimeout(timer);
  pendingTimers.clear();
}
