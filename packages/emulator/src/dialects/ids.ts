import { randomBytes, randomUUID } from "node:crypto";

export const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
export const uuid = (): string => randomUUID();
