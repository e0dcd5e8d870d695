// Types of the module `codeexec build` generates per stack (templates/stack-config.js.j2).
export declare const STACK: Readonly<{
  name: string;
  service: string;
  engine: string;
  logUserCode: boolean;
}>;
export declare const LIMITS: Readonly<{
  fuel: number;
  memoryBytes: number;
  heapBytes: number;
  stackBytes: number;
  maxCodeBytes: number;
  maxRequestBytes: number;
  maxLogLines: number;
  maxLogBytes: number;
  maxResultBytes: number;
}>;
/** A client's monthly caps; null means no cap. Money in micro-units of `currency`. */
export type UsageCaps = Readonly<{ requestsPerMonth: number | null; spendPerMonthMicros: number | null }>;
export declare const USAGE: Readonly<{
  record: boolean;
  currency: string;
  pricePerExecutionMicros: number;
  pricePerMillionFuelMicros: number;
  freeAllowanceMicros: number;
  quota: Readonly<{ default: UsageCaps; clients: Readonly<Record<string, UsageCaps>> }>;
}>;
export declare const RATE_LIMIT: Readonly<{ limit: number; periodSeconds: number }>;
export declare const CLIENT_ID_PATTERN: RegExp;
