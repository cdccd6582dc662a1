// Decimal amounts as strings: crypto amounts carry up to 18 decimals, more than a JS number holds
// exactly, so comparisons and the one division the page needs are done on BigInt, never on floats.

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** True for a plain non-negative decimal like "0.015" or "12" (no sign, exponent or spaces). */
export function isDecimal(text) {
  return DECIMAL.test(text);
}

/** True when the decimal string is greater than zero. */
export function isPositive(text) {
  return isDecimal(text) && /[1-9]/.test(text);
}

function scaled(text, scale) {
  const [, whole, fraction = ""] = DECIMAL.exec(text);
  return BigInt(whole + fraction.padEnd(scale, "0"));
}

function scaleOf(text) {
  const dot = text.indexOf(".");
  return dot === -1 ? 0 : text.length - dot - 1;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b (both valid decimal strings). */
export function compare(a, b) {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  const x = scaled(a, scale);
  const y = scaled(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Half of a decimal string, exact (one more decimal place when needed). */
export function half(text) {
  const scale = scaleOf(text) + 1;
  const value = scaled(text, scale) / 2n;
  const digits = value.toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, -scale);
  const fraction = digits.slice(-scale).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}
