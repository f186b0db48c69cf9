/**
 * Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `2Gi`) as numbers, so the rules can
 * compare a limit with its request and a quota with what the services may ask for.
 */

const CPU_PATTERN = /^(\d+(\.\d+)?)(m?)$/;
const MEMORY_PATTERN = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_FACTORS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** What a CPU quantity must look like, for error messages. */
export const CPU_QUANTITY = 'a CPU quantity: millicores ("250m") or cores ("1", "1.5")';
/** What a memory quantity must look like, for error messages. */
export const MEMORY_QUANTITY = 'a memory quantity in bytes with a binary suffix ("256Mi", "2Gi")';

/** Millicores of a CPU quantity, or undefined when it is not one. */
export function cpuMillis(quantity: unknown): number | undefined {
  if (typeof quantity !== "string") return undefined;
  const m = CPU_PATTERN.exec(quantity);
  if (!m) return undefined;
  const value = Number(m[1]);
  const millis = m[3] === "m" ? value : value * 1000;
  return millis > 0 ? millis : undefined;
}

/** Bytes of a memory quantity, or undefined when it is not one. */
export function memoryBytes(quantity: unknown): number | undefined {
  if (typeof quantity !== "string") return undefined;
  const m = MEMORY_PATTERN.exec(quantity);
  if (!m) return undefined;
  const bytes = Number(m[1]) * MEMORY_FACTORS[m[2] ?? ""];
  return bytes > 0 ? bytes : undefined;
}
