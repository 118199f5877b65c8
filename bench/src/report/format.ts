import type { Unit } from "../results.js";

const DECIMALS: Record<Unit, number> = { ms: 2, "req/s": 0, "chunks/s": 0, KB: 1, MB: 1, µs: 2 };

export function formatNumber(value: number, unit: Unit): string {
  const decimals = Math.abs(value) < 0.1 && unit === "ms" ? 3 : DECIMALS[unit];
  return value.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

export function formatValue(value: number, unit: Unit): string {
  return `${formatNumber(value, unit)} ${unit}`;
}

export function formatSigned(value: number, unit: Unit): string {
  return `${value >= 0 ? "+" : "−"}${formatNumber(Math.abs(value), unit)}`;
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "—";
  return `${ratio < 10 ? ratio.toFixed(2) : ratio.toFixed(1)}×`;
}
